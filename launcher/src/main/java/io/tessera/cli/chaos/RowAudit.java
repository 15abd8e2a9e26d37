package io.tessera.cli.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The client's view after a run: reads the whole table through SQL and holds it against the
 * {@link Ledger} (every acknowledged row exactly once, no row never attempted, failed inserts
 * absent, ambiguous ones at most once, every stored row equal to what was inserted).
 */
public final class RowAudit {
    /** A stored row as read back. */
    public record Row(long id, int writer, long seq, String payload) {}

    private RowAudit() {}

    /**
     * Reads every row of {@link InsertWorkload#TABLE}; retries a failing read for up to
     * {@code patience} (the cluster may still be settling). Rows are kept with their duplicates.
     */
    public static List<Row> readAll(String url, Duration patience) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id, writer, seq, payload FROM " + InsertWorkload.TABLE)) {
                List<Row> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(new Row(rs.getLong(1), rs.getInt(2), rs.getLong(3), rs.getString(4)));
                }
                return rows;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }

    /** {@code SELECT COUNT(*)}: aggregated on the shards, a second path to the same rows. */
    public static long count(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + InsertWorkload.TABLE)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Holds {@code rows} (from SQL or from replica files) against the ledger; {@code source} names them. */
    public static void check(String source, List<Row> rows, Ledger ledger, ChaosReport report) {
        Map<Long, Integer> copies = new HashMap<>();
        List<String> notAttempted = new ArrayList<>();
        List<String> wrongContent = new ArrayList<>();
        for (Row r : rows) {
            copies.merge(r.id(), 1, Integer::sum);
            Ledger.Entry e = ledger.get(r.id());
            if (e == null) {
                notAttempted.add("id " + r.id() + " " + r);
            } else if (e.writer != r.writer() || e.seq != r.seq() || !Objects.equals(e.payload, r.payload())) {
                wrongContent.add("id " + r.id() + ": stored " + r + ", inserted writer " + e.writer + " seq " + e.seq
                        + " payload '" + e.payload + "'");
            }
        }
        List<String> ackedMissing = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        List<String> failedPresent = new ArrayList<>();
        long ambiguousApplied = 0;
        long ambiguous = 0;
        for (Map.Entry<Long, Ledger.Entry> en : ledger.entries().entrySet()) {
            long id = en.getKey();
            Ledger.Entry e = en.getValue();
            int n = copies.getOrDefault(id, 0);
            if (n > 1) {
                duplicated.add("id " + id + " stored " + n + " times (" + e.outcome() + ")");
            }
            switch (e.outcome()) {
                case ACKNOWLEDGED -> {
                    if (n == 0) {
                        ackedMissing.add("id " + id + " (writer " + e.writer + " insert " + e.seq + ") acknowledged, not stored");
                    }
                }
                case FAILED -> {
                    if (n > 0) {
                        failedPresent.add("id " + id + " stored although the insert failed with " + e.error());
                    }
                }
                default -> {
                    ambiguous++;
                    if (n > 0) {
                        ambiguousApplied++;
                    }
                }
            }
        }
        report.check(source + ": every acknowledged insert is stored", ackedMissing);
        report.check(source + ": no row is stored twice", duplicated);
        report.check(source + ": no row that was never inserted is stored", notAttempted);
        report.check(source + ": every stored row has the values inserted", wrongContent);
        report.check(source + ": no insert that failed definitely is stored", failedPresent);
        report.note(source + ": " + rows.size() + " rows; " + ambiguousApplied + " of " + ambiguous
                + " ambiguous/unanswered inserts were applied");
    }
}
