package io.tessera.jdbc.differential;

import io.tessera.jdbc.differential.DmlGenerator.DmlStatement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Differential test of INSERT/UPDATE/DELETE: hand-written then seeded random statements applied to Tessera and H2;
 * after each statement the update counts (or the fact that both fail) and the full contents of the touched tables
 * must agree. Some groups of statements run in an explicit transaction that ends in COMMIT or ROLLBACK, with a
 * read-your-own-writes check before the end. Finally a batch of generated queries runs over the modified data
 * (secondary indexes and old row versions must reflect the changes).
 *
 * <p>Both engines have real transactions (docs/jdbc.md, "Transactions"): a transaction ending in COMMIT must match
 * H2 exactly, including reads of its own writes; one ending in ROLLBACK (or cut short by a failing statement, after
 * which both engines roll back) must leave the tables as they were.
 *
 * <p>When the contents diverge, the discrepancy is reported and the table is copied from H2 into Tessera again
 * (DELETE + INSERT) so that later statements are still checked against equal data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TesseraDmlMatchesH2Test {
    static final int GENERATED = Integer.getInteger("tessera.diff.dml", 120);
    static final int QUERIES_AFTER = Integer.getInteger("tessera.diff.queriesAfterDml", 80);

    private Fixture fixture;
    private Report report;
    private int statements;
    private int rejectedByBoth;
    private long rowsAffected;

    @BeforeAll
    void startBothEngines() throws Exception {
        fixture = Fixture.start("differential_dml", new Dataset(Fixture.SEED + 1, 400, 2000, 150, 600));
        fixture.h2.connection().setAutoCommit(false); // so that a statement Tessera rejects can be undone on H2
    }

    @AfterAll
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void dmlSequenceMatchesH2() throws Exception {
        report = new Report("DML", Fixture.SEED);
        long start = System.nanoTime();
        DmlGenerator gen = new DmlGenerator(fixture.data, Fixture.SEED * 31 + 7);
        for (DmlStatement s : gen.handWritten()) {
            apply(s);
        }
        boolean transactionsWork = true;
        for (int i = 0; i < GENERATED; i++) {
            if (transactionsWork && i % 12 == 11) {
                List<DmlStatement> group = new ArrayList<>();
                int n = 2 + gen.nextInt(3);
                for (int j = 0; j < n; j++) {
                    group.add(gen.next(i * 100 + j));
                }
                transactionsWork = applyInTransaction(group, gen.nextBoolean());
            } else {
                apply(gen.next(i));
            }
        }
        System.out.printf("applied %d DML statements (%d rejected by both engines, %d rows affected on H2) in %d ms%n",
                statements, rejectedByBoth, rowsAffected, (System.nanoTime() - start) / 1_000_000);

        QueryGenerator queries = new QueryGenerator(fixture.data);
        List<DiffQuery> after = new ArrayList<>();
        for (DiffQuery q : queries.generate(Fixture.SEED + 99, QUERIES_AFTER)) {
            after.add(new DiffQuery("after DML: " + q.label(), q.sql(), q.ordered()));
        }
        for (DiffQuery q : HandWrittenQueries.all(fixture.data)) {
            if (q.sql().contains("category") || q.sql().contains("customer_id IN") || q.label().contains("index")) {
                after.add(new DiffQuery("after DML: " + q.label(), q.sql(), q.ordered()));
            }
        }
        fixture.checkAll(after, report, 60_000);
        report.finish("dml.txt");
    }

    private record Outcome(Long count, Exception error) {
        boolean failed() {
            return error != null;
        }

        @Override
        public String toString() {
            return failed() ? "error " + Failures.summary(error) : "update count " + count;
        }
    }

    private static Outcome run(Engine engine, String sql) {
        try {
            return new Outcome(engine.update(sql), null);
        } catch (Exception e) {
            return new Outcome(null, e);
        }
    }

    /** One statement in autocommit mode on Tessera; H2 commits only if Tessera accepted it too. */
    private void apply(DmlStatement s) throws Exception {
        report.checked();
        statements++;
        Outcome h = run(fixture.h2, s.sql());
        Outcome t = run(fixture.tessera, s.sql());
        Connection h2 = fixture.h2.connection();
        if (s.mustFail() && !h.failed()) {
            report.discrepancy(s.label(), s.sql(), "H2 accepted a statement the test expects to fail, so the test "
                    + "itself is wrong: H2 " + h);
        }
        if (!h.failed()) {
            rowsAffected += h.count();
        }
        if (h.failed() || t.failed()) {
            h2.rollback();
            if (h.failed() && t.failed()) {
                rejectedByBoth++;
            }
            if (h.failed() != t.failed()) {
                report.discrepancy(s.label(), s.sql(), (h.failed()
                        ? "H2 rejected the statement but Tessera accepted it: " : "Tessera failed but H2 accepted it: ")
                        + "H2 " + h + "; Tessera " + t);
            }
        } else {
            h2.commit();
            if (!h.count().equals(t.count())) {
                report.discrepancy(s.label(), s.sql(), "update count: H2 " + h.count() + ", Tessera " + t.count());
            }
        }
        compareContents(s.label(), s.sql(), s.touched());
    }

    /** A group of statements in one explicit transaction on both engines, then COMMIT or ROLLBACK. */
    private boolean applyInTransaction(List<DmlStatement> group, boolean commit) throws Exception {
        report.checked();
        String label = "transaction of " + group.size() + " statements ending in " + (commit ? "COMMIT" : "ROLLBACK");
        String sqls = String.join(";\n     ", group.stream().map(DmlStatement::sql).toList());
        Connection h2 = fixture.h2.connection();
        try {
            fixture.tessera.run(() -> {
                fixture.tessera.connection().setAutoCommit(false);
                return null;
            });
        } catch (Exception e) {
            report.discrepancy(label, sqls, "Tessera rejected setAutoCommit(false); no more transactions are tried: "
                    + Failures.summary(e));
            return false;
        }
        Set<Table> touched = new LinkedHashSet<>();
        boolean failed = false;
        try {
            for (DmlStatement s : group) {
                statements++;
                touched.addAll(s.touched());
                Outcome h = run(fixture.h2, s.sql());
                Outcome t = run(fixture.tessera, s.sql());
                if (h.failed() || t.failed()) {
                    if (h.failed() != t.failed()) {
                        report.discrepancy(label + ", " + s.label(), s.sql(), "inside the transaction: H2 " + h
                                + "; Tessera " + t);
                    }
                    failed = true;
                    break;
                }
                if (!h.count().equals(t.count())) {
                    report.discrepancy(label + ", " + s.label(), s.sql(), "update count inside the transaction: H2 "
                            + h.count() + ", Tessera " + t.count());
                }
            }
            if (!failed) {
                // read your own writes before the end of the transaction
                for (Table t : touched) {
                    Optional<String> d = ResultComparator.compare(fixture.h2.query(t.selectAll()),
                            fixture.tessera.query(t.selectAll()), t.primaryKey != null);
                    d.ifPresent(x -> report.discrepancy(label, sqls, "contents of " + t.name + " seen inside the "
                            + "transaction (before " + (commit ? "COMMIT" : "ROLLBACK") + ") differ: " + x));
                }
            }
            boolean doCommit = commit && !failed;
            if (doCommit) {
                h2.commit();
            } else {
                h2.rollback();
            }
            try {
                fixture.tessera.run(() -> {
                    if (doCommit) {
                        fixture.tessera.connection().commit();
                    } else {
                        fixture.tessera.connection().rollback();
                    }
                    return null;
                });
            } catch (Exception e) {
                report.discrepancy(label, sqls, "Tessera " + (doCommit ? "COMMIT" : "ROLLBACK") + " failed: "
                        + Failures.summary(e));
            }
        } finally {
            try {
                fixture.tessera.run(() -> {
                    fixture.tessera.connection().setAutoCommit(true);
                    return null;
                });
            } catch (Exception e) {
                report.discrepancy(label, sqls, "Tessera setAutoCommit(true) failed: " + Failures.summary(e));
            }
        }
        compareContents(label, sqls, new ArrayList<>(touched));
        return true;
    }

    private void compareContents(String label, String sql, List<Table> tables) throws Exception {
        for (Table t : tables) {
            QueryResult expected = fixture.h2.query(t.selectAll());
            QueryResult actual = fixture.tessera.query(t.selectAll());
            if (expected.failed()) {
                throw new AssertionError("H2 cannot read " + t.name, expected.error());
            }
            Optional<String> d = actual.failed() ? Optional.of("Tessera cannot read it: "
                    + Failures.summary(actual.error())) : ResultComparator.compare(expected, actual, t.primaryKey != null);
            if (d.isPresent()) {
                report.discrepancy(label, sql, "contents of " + t.name + " differ afterwards: " + d.get()
                        + "\n  (" + t.name + " is copied from H2 into Tessera again before the next statement)");
                resync(t);
            }
        }
    }

    /** Makes Tessera's copy of a table equal to H2's again, so that later statements are checked on equal data. */
    private void resync(Table t) throws Exception {
        List<Object[]> rows = Dataset.read(fixture.h2.connection(), t);
        try {
            fixture.tessera.run(() -> {
                Connection c = fixture.tessera.connection();
                try (var st = c.createStatement()) {
                    st.executeUpdate("DELETE FROM " + t.name);
                }
                Dataset.load(c, t, rows);
                return null;
            });
        } catch (Exception e) {
            throw new AssertionError("could not copy " + t.name + " into Tessera again (" + Failures.summary(e)
                    + "), the DML comparison stops here:\n" + report.text(), e);
        }
        Optional<String> d = ResultComparator.compare(fixture.h2.query(t.selectAll()),
                fixture.tessera.query(t.selectAll()), t.primaryKey != null);
        if (d.isPresent()) {
            throw new AssertionError("could not copy " + t.name + " into Tessera again, the DML comparison stops here:\n"
                    + report.text() + "\n" + d.get());
        }
    }
}
