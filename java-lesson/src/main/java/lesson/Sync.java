package lesson;

import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Slide "Synchronous Send": {@code producer.send(record).get()}, one at a time. */
public final class Sync {
    public static void main(String[] args) throws InterruptedException {
        Lesson lesson = Lesson.fromArgs(args);
        lesson.banner("SYNC", "Synchronous (send(...).get())");
        long started = System.nanoTime();
        long confirmed = 0;
        long failed = 0;
        try (KafkaProducer<String, String> producer = lesson.producer()) {
            for (Reading reading : lesson.readings) {
                try {
                    RecordMetadata metadata = producer.send(lesson.record(reading)).get(); // blocks
                    confirmed++;
                    System.out.println("⏳ SYNC: " + reading.key() + " | " + reading.humidity() + "% → partition "
                            + metadata.partition() + ", offset " + metadata.offset());
                } catch (ExecutionException e) {
                    failed++;
                    System.out.println("❌ SYNC FAILED: " + reading.key() + " | " + reading.humidity() + "% — " + e.getCause());
                }
            }
        }
        Lesson.summary(confirmed + failed, Long.toString(confirmed), Long.toString(failed), started);
        System.exit(failed == 0 ? 0 : 1);
    }
}
