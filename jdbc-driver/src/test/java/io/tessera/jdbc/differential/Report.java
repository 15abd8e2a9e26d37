package io.tessera.jdbc.differential;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects every discrepancy of a run, then fails once with all of them (and writes them to a file). */
final class Report {
    private final String title;
    private final long seed;
    private final List<String> discrepancies = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private int checked;

    Report(String title, long seed) {
        this.title = title;
        this.seed = seed;
    }

    void checked() {
        checked++;
    }

    int checkedCount() {
        return checked;
    }

    int discrepancyCount() {
        return discrepancies.size();
    }

    void discrepancy(String label, String sql, String description) {
        discrepancies.add("--- " + label + "\nSQL: " + sql + "\n" + description.stripTrailing());
    }

    void note(String note) {
        notes.add(note);
    }

    String text() {
        StringBuilder sb = new StringBuilder();
        sb.append(title).append(": ").append(discrepancies.size()).append(" discrepancies in ").append(checked)
                .append(" checks (seed ").append(seed).append("; rerun with -Dtessera.diff.seed=").append(seed)
                .append(")\n");
        for (String n : notes) {
            sb.append("note: ").append(n).append('\n');
        }
        for (String d : discrepancies) {
            sb.append(d).append("\n\n");
        }
        return sb.toString();
    }

    /** Prints the summary, writes the full report under target/, and fails if there was any discrepancy. */
    void finish(String fileName) {
        String text = text();
        System.out.println(text);
        Path dir = Path.of("target", "differential-reports");
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(fileName), text);
        } catch (IOException e) {
            System.out.println("could not write report: " + e);
        }
        if (!discrepancies.isEmpty()) {
            String shown = text.length() > 60_000 ? text.substring(0, 60_000) + "\n... (truncated; full report in "
                    + dir.resolve(fileName).toAbsolutePath() + ")" : text;
            throw new AssertionError(shown);
        }
    }
}
