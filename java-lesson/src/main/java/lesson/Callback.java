package lesson;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;

/** Slide "Async with Callback": the result of each send arrives in a callback. */
public final class Callback {
    public static void main(String[] args) {
        Lesson lesson = Lesson.fromArgs(args);
        lesson.banner("CALLBACK", "Async with callbacks");
        long started = System.nanoTime();
        AtomicLong confirmed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long sent = 0;
        try (KafkaProducer<String, String> producer = lesson.producer()) {
            for (Reading reading : lesson.readings) {
                producer.send(lesson.record(reading), (metadata, exception) -> {
                    // Runs on the producer's I/O thread: keep it short.
                    if (exception != null) {
                        failed.incrementAndGet();
                        System.out.println("❌ FAILED: " + reading.key() + " | " + reading.location() + " | "
                                + reading.humidity() + "% — " + exception);
                    } else {
                        confirmed.incrementAndGet();
                        System.out.println("✅ SUCCESS: " + reading.key() + " | " + reading.location() + " | "
                                + reading.humidity() + "%\n   → Partition: " + metadata.partition()
                                + " | Offset: " + metadata.offset() + " | Timestamp: " + metadata.timestamp() + "\n");
                    }
                });
                sent++;
            }
        }
        Lesson.summary(sent, Long.toString(confirmed.get()), Long.toString(failed.get()), started);
        System.exit(failed.get() == 0 && confirmed.get() == sent ? 0 : 1);
    }
}
