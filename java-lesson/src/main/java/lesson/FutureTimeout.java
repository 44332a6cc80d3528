package lesson;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Slide "The Future Object": {@code future.get(timeout, MILLISECONDS)}. A wait that
 * times out does not cancel the send: the closing lines count what arrived anyway.
 */
public final class FutureTimeout {
    public static void main(String[] args) throws InterruptedException {
        Lesson lesson = Lesson.fromArgs(args);
        lesson.banner("FUTURE-TIMEOUT", "Future with a " + lesson.timeoutMillis + " ms timeout");
        long started = System.nanoTime();
        long inTime = 0;
        long failed = 0;
        List<Future<RecordMetadata>> timedOut = new ArrayList<>();
        try (KafkaProducer<String, String> producer = lesson.producer()) {
            for (Reading reading : lesson.readings) {
                Future<RecordMetadata> future = producer.send(lesson.record(reading));
                try {
                    RecordMetadata metadata = future.get(lesson.timeoutMillis, TimeUnit.MILLISECONDS);
                    inTime++;
                    System.out.println("✅ IN TIME: " + reading.key() + " | " + reading.humidity() + "% → partition "
                            + metadata.partition() + ", offset " + metadata.offset());
                } catch (TimeoutException e) {
                    timedOut.add(future);
                    System.out.println("⌛ TIMED OUT after " + lesson.timeoutMillis + "ms: " + reading.key() + " | "
                            + reading.humidity() + "% — still in flight, the wait ended but the send was not cancelled");
                } catch (ExecutionException e) {
                    failed++;
                    System.out.println("❌ FAILED: " + reading.key() + " | " + reading.humidity() + "% — " + e.getCause());
                }
            }
            producer.flush();
        }
        long deliveredAnyway = timedOut.stream().filter(f -> {
            try {
                f.get();
                return true;
            } catch (Exception e) {
                return false;
            }
        }).count();
        Lesson.summary(lesson.readings.size(), Long.toString(inTime + deliveredAnyway), Long.toString(failed), started);
        System.out.println("📬 Delivered anyway: " + deliveredAnyway + " of the " + timedOut.size()
                + " messages whose wait timed out");
    }
}
