package lesson;

import org.apache.kafka.clients.producer.KafkaProducer;

/** Slide "Async Send - Fire and Forget": {@code producer.send(record)}, never looked at. */
public final class FireAndForget {
    public static void main(String[] args) {
        Lesson lesson = Lesson.fromArgs(args);
        lesson.banner("FIRE-AND-FORGET", "Async fire-and-forget");
        long started = System.nanoTime();
        long sent = 0;
        // close() flushes: without it the records still queued would be lost.
        try (KafkaProducer<String, String> producer = lesson.producer()) {
            for (Reading reading : lesson.readings) {
                producer.send(lesson.record(reading));
                sent++;
                System.out.println("📤 SENT: " + reading.key() + " | " + reading.location() + " | " + reading.humidity() + "%");
            }
        }
        Lesson.summary(sent, "?", "? (fire-and-forget never looks)", started);
    }
}
