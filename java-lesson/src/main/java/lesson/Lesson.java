package lesson;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the four slide classes share: the flags, the lesson's producer settings (the
 * same as the Rust steps' defaults), the records with their run tag, and the summary.
 *
 * <p>Flags: {@code --brokers HOST:PORT,... --readings FILE [--topic humidity]
 * [--run-id ID] [--timeout MS] [--mode M] [-X key=value]...}
 */
final class Lesson {
    /** The header every record carries, as the Rust steps' `lesson-run`. */
    static final String RUN_HEADER = "lesson-run";

    final String brokers;
    final String topic;
    final List<Reading> readings;
    final String runId;
    final long timeoutMillis;
    /** Measure's mode (fire-and-forget, callback or sync); the slide classes ignore it. */
    final String mode;
    final Properties extra = new Properties();

    private Lesson(String[] args) throws Exception {
        String brokers = null;
        String topic = "humidity";
        Path readingsFile = null;
        String runId = "java-" + Long.toHexString(System.nanoTime());
        long timeout = 100;
        String mode = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--brokers" -> brokers = value;
                case "--topic" -> topic = value;
                case "--readings" -> readingsFile = Path.of(value);
                case "--run-id" -> runId = value;
                case "--timeout" -> timeout = Long.parseLong(value);
                case "--mode" -> mode = value;
                case "-X" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("-X takes key=value, not " + value);
                    }
                    extra.setProperty(value.substring(0, eq), value.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        if (brokers == null || readingsFile == null) {
            throw new IllegalArgumentException("--brokers and --readings are required");
        }
        this.brokers = brokers;
        this.topic = topic;
        this.readings = Reading.load(readingsFile);
        this.runId = runId;
        this.timeoutMillis = timeout;
        this.mode = mode;
    }

    /** Parses `args`; on bad input prints one line naming the culprit and exits 2. */
    static Lesson fromArgs(String[] args) {
        try {
            return new Lesson(args);
        } catch (Exception e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            throw new IllegalStateException("unreachable");
        }
    }

    /**
     * The lesson's settings: acks=all, idempotence on (Java's default, set so it shows),
     * a 30 s delivery timeout and no linger, as the Rust steps; Java's own partitioner
     * (murmur2 of the key), which the Rust steps match with `murmur2_random`.
     */
    KafkaProducer<String, String> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.putAll(extra);
        return new KafkaProducer<>(props);
    }

    /** The record for `reading`: key, JSON body, create time and run tag, as Rust sends it. */
    ProducerRecord<String, String> record(Reading reading) {
        ProducerRecord<String, String> record =
                new ProducerRecord<>(topic, null, reading.timestampMillis(), reading.key(), reading.json());
        record.headers().add(RUN_HEADER, runId.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    void banner(String title, String mode) {
        System.out.println("🌡️  Starting Humidity Producer (" + title + " MODE, Java)...");
        System.out.println("📊 Mode: " + mode);
        System.out.println("🔌 Broker: " + brokers + ", topic " + topic);
        System.out.println("🎯 Plan: send " + readings.size() + " readings, unpaced");
        System.out.println();
    }

    static void summary(long sent, String confirmed, String failed, long startedNanos) {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        System.out.printf("📈 Summary: sent %d | confirmed %s | failed %s | elapsed %.2fs | %.1f msg/s%n",
                sent, confirmed, failed, seconds, sent / Math.max(seconds, 1e-9));
    }
}
