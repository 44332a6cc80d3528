package lesson;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * compare's Java rows ({@code compare --vs-java}): one slide's send loop, timed, on the
 * readings compare wrote, with the lesson's settings. On stdout it prints
 * {@code warmed-up}, waits for a line on stdin, and ends with one JSON line.
 *
 * <p>As compare's Rust rows: one reading is sent and flushed first, so the clock
 * measures sending, not starting up or connecting; the clock then runs from the first
 * send until every record has an outcome, after a flush. Latency is from a send to
 * its outcome: the callback for {@code callback}, {@code get()}'s return for
 * {@code sync}; fire-and-forget never looks, so it has none.
 *
 * <p>{@code --mode fire-and-forget|callback|sync}, and {@link Lesson}'s flags.
 */
public final class Measure {
    /** Latencies in microseconds, 1 µs to 10 minutes, 3 significant figures (as compare's). */
    private static Histogram histogram() {
        return new SynchronizedHistogram(1, 600_000_000L, 3);
    }

    private static void record(Histogram latencies, long sentNanos) {
        long micros = (System.nanoTime() - sentNanos) / 1_000;
        latencies.recordValue(Math.max(1, Math.min(micros, 600_000_000L)));
    }

    public static void main(String[] args) throws Exception {
        Lesson lesson = Lesson.fromArgs(args);
        String mode = lesson.mode;
        if (mode == null || !List.of("fire-and-forget", "callback", "sync").contains(mode)) {
            System.err.println("error: --mode must be fire-and-forget, callback or sync, not " + mode);
            System.exit(2);
        }
        if (lesson.readings.isEmpty()) {
            System.err.println("error: the readings file holds no readings");
            System.exit(2);
        }
        AtomicLong confirmed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Histogram latencies = histogram();
        long elapsed;
        try (KafkaProducer<String, String> producer = lesson.producer()) {
            producer.send(lesson.record(lesson.readings.get(0))).get(); // warm-up
            // compare notes where the topic ends now, then says go: its broker count is
            // then of the measured records alone, as for its Rust rows.
            System.out.println("warmed-up");
            System.out.flush();
            if (new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine() == null) {
                System.err.println("error: stdin closed before compare said go");
                System.exit(2);
            }
            long started = System.nanoTime();
            switch (mode) {
                case "fire-and-forget" -> {
                    for (Reading reading : lesson.readings) {
                        producer.send(lesson.record(reading));
                    }
                    producer.flush();
                }
                case "callback" -> {
                    for (Reading reading : lesson.readings) {
                        long sent = System.nanoTime();
                        producer.send(lesson.record(reading), (metadata, exception) -> {
                            record(latencies, sent);
                            (exception == null ? confirmed : failed).incrementAndGet();
                        });
                    }
                    producer.flush();
                }
                default -> {
                    for (Reading reading : lesson.readings) {
                        ProducerRecord<String, String> record = lesson.record(reading);
                        long sent = System.nanoTime();
                        try {
                            producer.send(record).get();
                            confirmed.incrementAndGet();
                        } catch (ExecutionException e) {
                            failed.incrementAndGet();
                        }
                        record(latencies, sent);
                    }
                }
            }
            elapsed = System.nanoTime() - started;
        }
        boolean looks = !mode.equals("fire-and-forget");
        StringBuilder json = new StringBuilder("{");
        json.append("\"sent\":").append(lesson.readings.size());
        json.append(",\"confirmed\":").append(looks ? confirmed.get() : null);
        json.append(",\"failed\":").append(looks ? failed.get() : null);
        json.append(",\"elapsed_seconds\":").append(elapsed / 1e9);
        json.append(",\"latency_p50_us\":").append(looks ? latencies.getValueAtPercentile(50) : null);
        json.append(",\"latency_p99_us\":").append(looks ? latencies.getValueAtPercentile(99) : null);
        json.append(",\"latency_max_us\":").append(looks ? latencies.getMaxValue() : null);
        json.append(",\"peak_rss_mib\":").append(peakRssMib());
        json.append(",\"java\":\"").append(System.getProperty("java.version")).append('"');
        json.append(",\"kafka_clients\":\"").append(kafkaClientsVersion()).append('"');
        System.out.println(json.append('}'));
    }

    /** kafka-clients' version, from the properties file its jar carries. */
    private static String kafkaClientsVersion() {
        try (var in = KafkaProducer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            java.util.Properties properties = new java.util.Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (Exception e) {
            return "unknown";
        }
    }

    /** This JVM's resident high-water mark (VmHWM), in MiB; null off Linux. */
    private static Double peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return null;
    }
}
