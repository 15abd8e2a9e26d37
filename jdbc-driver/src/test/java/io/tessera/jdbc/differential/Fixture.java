package io.tessera.jdbc.differential;

import java.util.List;
import java.util.Optional;

/**
 * Both engines with the same schema and data: an in-memory H2 database (the reference) and Tessera reached through
 * its JDBC driver, by default {@code jdbc:tessera:mem:<name>} (an in-process cluster: embedded ZooKeeper, a
 * coordinator and 3 shard nodes).
 *
 * <p>System properties: {@code tessera.diff.seed} (data and query seed), {@code tessera.diff.url} (another Tessera
 * URL, or an H2 URL to check the harness itself), {@code tessera.diff.timeoutMs} (per statement).
 */
final class Fixture implements AutoCloseable {
    static final long SEED = Long.getLong("tessera.diff.seed", 20_261_125L);
    static final long STATEMENT_TIMEOUT_MS = Long.getLong("tessera.diff.timeoutMs", 30_000L);
    /** EXPLAIN is attached to this many discrepancies per report (it costs a round of planning each). */
    private static final int EXPLAINED = 30;

    final Dataset data;
    final Engine h2;
    final Engine tessera;
    private int explained;

    private Fixture(Dataset data, Engine h2, Engine tessera) {
        this.data = data;
        this.h2 = h2;
        this.tessera = tessera;
    }

    static Fixture start(String name, Dataset data) throws Exception {
        String url = System.getProperty("tessera.diff.url", "jdbc:tessera:mem:" + name + ";close_delay=0");
        long t0 = System.nanoTime();
        Engine h2 = new Engine("H2", "jdbc:h2:mem:" + name + "_reference", STATEMENT_TIMEOUT_MS);
        Engine tessera;
        try {
            tessera = new Engine("Tessera", url, STATEMENT_TIMEOUT_MS);
        } catch (Exception e) {
            h2.close();
            throw e;
        }
        Fixture f = new Fixture(data, h2, tessera);
        try {
            long t1 = System.nanoTime();
            data.createSchema(h2.connection(), Dialect.H2);
            data.load(h2.connection());
            long t2 = System.nanoTime();
            data.createSchema(tessera.connection(), tessera.dialect);
            long t3 = System.nanoTime();
            data.load(tessera.connection());
            long t4 = System.nanoTime();
            int rows = data.tables.stream().mapToInt(t -> t.rows.size()).sum();
            System.out.printf("[%s] seed %d, %d rows; connect %d ms, H2 schema+load %d ms, Tessera DDL %d ms, "
                            + "Tessera load %d ms (%s)%n", name, data.seed, rows, (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000, url);
            return f;
        } catch (Exception e) {
            f.close();
            throw e;
        }
    }

    /** Runs one query on both engines and records any difference. */
    void check(DiffQuery q, Report report) {
        QueryResult expected = h2.query(q.sql());
        QueryResult actual = tessera.query(q.sql());
        report.checked();
        if (expected.failed()) {
            report.discrepancy(q.label(), q.sql(), "H2 rejected the query, so the test itself is wrong: "
                    + Failures.summary(expected.error())
                    + (actual.failed() ? "\n  (Tessera failed too: " + Failures.summary(actual.error()) + ")" : ""));
            return;
        }
        if (actual.failed()) {
            report.discrepancy(q.label(), q.sql(), "Tessera failed: " + Failures.summary(actual.error()) + "\n"
                    + ResultComparator.describe("H2", expected) + plan(q.sql()));
            return;
        }
        Optional<String> difference = ResultComparator.compare(expected, actual, q.ordered());
        difference.ifPresent(d -> report.discrepancy(q.label(), q.sql(), d + "\n" + plan(q.sql())));
    }

    /** Checks a list of queries, stopping (and reporting) when the time budget is spent. */
    void checkAll(List<DiffQuery> queries, Report report, long budgetMillis) {
        long deadline = System.nanoTime() + budgetMillis * 1_000_000;
        long start = System.nanoTime();
        long[] slowest = new long[3];
        String[] slowestSql = new String[3];
        for (int i = 0; i < queries.size(); i++) {
            if (System.nanoTime() > deadline) {
                report.discrepancy("time budget", "-", "the time budget of " + budgetMillis + " ms was spent after "
                        + i + " of " + queries.size() + " queries; the rest were not checked");
                break;
            }
            long t0 = System.nanoTime();
            check(queries.get(i), report);
            long took = (System.nanoTime() - t0) / 1_000_000;
            for (int k = 0; k < slowest.length; k++) {
                if (took > slowest[k]) {
                    System.arraycopy(slowest, k, slowest, k + 1, slowest.length - k - 1);
                    System.arraycopy(slowestSql, k, slowestSql, k + 1, slowest.length - k - 1);
                    slowest[k] = took;
                    slowestSql[k] = queries.get(i).sql();
                    break;
                }
            }
        }
        System.out.printf("checked %d queries in %d ms; slowest (both engines, incl. EXPLAIN on mismatch):%n",
                report.checkedCount(), (System.nanoTime() - start) / 1_000_000);
        for (int k = 0; k < slowest.length && slowestSql[k] != null; k++) {
            System.out.printf("  %d ms  %s%n", slowest[k], slowestSql[k]);
        }
    }

    String plan(String sql) {
        if (explained >= EXPLAINED) {
            return "";
        }
        explained++;
        return "  Tessera plan:\n    " + tessera.explain(sql).replace("\n", "\n    ");
    }

    @Override
    public void close() {
        tessera.close();
        h2.close();
    }
}
