package lesson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One sensor reading, as the Rust generator made it. The Java side does not generate
 * readings: it replays the ones `cargo run -p common --bin readings` prints, so both
 * sides send byte-identical records for the same seed.
 *
 * <p>A line is tab-separated: key, location, humidity, create time (ms), JSON body.
 */
public record Reading(String key, String location, int humidity, long timestampMillis, String json) {

    static Reading parse(String line) {
        String[] fields = line.split("\t", 5);
        if (fields.length != 5) {
            throw new IllegalArgumentException("a readings line has 5 tab-separated fields, not " + fields.length + ": " + line);
        }
        return new Reading(fields[0], fields[1], Integer.parseInt(fields[2]), Long.parseLong(fields[3]), fields[4]);
    }

    static List<Reading> load(Path file) throws IOException {
        List<Reading> readings = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                readings.add(parse(line));
            }
        }
        return readings;
    }
}
