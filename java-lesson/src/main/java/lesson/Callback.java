package lesson;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
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
        Set<String> callbackThreads = new ConcurrentSkipListSet<>();
        long sent = 0;
        try (KafkaProducer<String, String> producer = lesson.producer()) {
            for (Reading reading : lesson.readings) {
                producer.send(lesson.record(reading), (metadata, exception) -> {
                    // Runs on the producer's I/O thread: keep it short. (A record refused
                    // before it is queued gets its callback inside send, on the caller's.)
                    callbackThreads.add(Thread.currentThread().getName());
                    if (exception != null) {
                        failed.incrementAndGet();
                        System.out.println("❌ FAILED: " + reading.key() + " | " + reading.location() + " | "
                                + reading.humidity() + "% — " + exception + "\n");
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
        System.out.println("🧵 Callbacks ran on: " + String.join(", ", new TreeSet<>(callbackThreads)));
        System.exit(failed.get() == 0 && confirmed.get() == sent ? 0 : 1);
    }
}
