package io.tessera.jdbc.differential;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Differential test of aggregates that the shards compute partially (docs/queries.md): the shapes of GROUP BY,
 * DISTINCT and COUNT/SUM/MIN/MAX/AVG over every column type the data set has, with NULL groups and arguments,
 * empty inputs, filters, HAVING and ORDER BY on aggregates, compared with H2 on the same data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TesseraAggregatesMatchH2Test {
    private Fixture fixture;

    @BeforeAll
    void startBothEngines() throws Exception {
        fixture = Fixture.start("differential_aggregates", Dataset.standard(Fixture.SEED));
    }

    @AfterAll
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void aggregatesMatchH2() {
        Report report = new Report("aggregates", Fixture.SEED);
        fixture.checkAll(queries(), report, 120_000);
        report.finish("aggregate-queries.txt");
    }

    static List<DiffQuery> queries() {
        List<DiffQuery> q = new ArrayList<>();
        // --- global aggregates: one row per shard, combined
        q.add(o("global COUNT(*)", "SELECT COUNT(*) FROM orders"));
        q.add(o("global COUNT(col) with NULLs", "SELECT COUNT(customer_id), COUNT(amount), COUNT(ts) FROM orders"));
        q.add(o("global SUM of INT, SMALLINT, DECIMAL, DOUBLE",
                "SELECT SUM(customer_id), SUM(qty), SUM(amount) FROM orders"));
        q.add(o("global COUNT, MIN and MAX of DOUBLE", "SELECT COUNT(weight), MIN(weight), MAX(weight) FROM products"));
        q.add(o("global MIN/MAX of strings, dates and timestamps",
                "SELECT MIN(name), MAX(name), MIN(created), MAX(created) FROM customers"));
        q.add(o("global MIN/MAX of timestamps and decimals",
                "SELECT MIN(ts), MAX(ts), MIN(amount), MAX(amount) FROM orders"));
        q.add(o("global aggregates over no rows",
                "SELECT COUNT(*), COUNT(amount), SUM(amount), MIN(status), MAX(ts) FROM orders WHERE 1 = 0"));
        q.add(o("global aggregates over a filter matching nothing",
                "SELECT COUNT(*), SUM(qty) FROM orders WHERE amount < -1000000"));
        q.add(o("global aggregates of the table without primary key",
                "SELECT COUNT(*), COUNT(val), SUM(val), MIN(kind), MAX(note) FROM events"));
        q.add(o("global AVG of an INT cast to DOUBLE",
                "SELECT AVG(CAST(score AS DOUBLE)), COUNT(score) FROM customers"));
        q.add(o("global aggregates on one shard", "SELECT COUNT(*), SUM(score), MAX(name) FROM customers WHERE id = 8"));
        // --- GROUP BY
        q.add(o("GROUP BY with a NULL group",
                "SELECT status, COUNT(*), COUNT(amount), SUM(amount), MIN(qty), MAX(qty) FROM orders "
                        + "GROUP BY status ORDER BY status NULLS FIRST"));
        q.add(o("GROUP BY two columns with NULLs",
                "SELECT region, score, COUNT(*), MAX(name) FROM customers GROUP BY region, score "
                        + "ORDER BY region NULLS FIRST, score NULLS FIRST"));
        q.add(o("GROUP BY INT with SUM of SMALLINT",
                "SELECT customer_id, SUM(qty), COUNT(*) FROM orders GROUP BY customer_id ORDER BY customer_id NULLS LAST"));
        q.add(o("GROUP BY a DATE", "SELECT created, COUNT(*), MIN(id) FROM customers GROUP BY created "
                + "ORDER BY created NULLS FIRST"));
        q.add(o("GROUP BY with SUM and MIN/MAX of DOUBLE",
                "SELECT category, COUNT(weight), MIN(weight), MAX(weight), SUM(price) FROM products "
                        + "GROUP BY category ORDER BY category NULLS FIRST"));
        q.add(o("GROUP BY BOOLEAN", "SELECT active, COUNT(*), SUM(price) FROM products GROUP BY active "
                + "ORDER BY active NULLS FIRST"));
        q.add(o("GROUP BY over a filter", "SELECT status, COUNT(*), SUM(amount) FROM orders "
                + "WHERE qty > 2 AND amount IS NOT NULL GROUP BY status ORDER BY status NULLS FIRST"));
        q.add(o("GROUP BY over an index range", "SELECT status, COUNT(*) FROM orders WHERE customer_id BETWEEN 10 AND 40 "
                + "GROUP BY status ORDER BY status NULLS FIRST"));
        q.add(o("GROUP BY of no rows", "SELECT status, COUNT(*), SUM(amount) FROM orders WHERE qty < -5 GROUP BY status"));
        q.add(o("GROUP BY a group whose arguments are all NULL",
                "SELECT status, SUM(amount), MIN(amount), COUNT(amount) FROM orders WHERE amount IS NULL "
                        + "GROUP BY status ORDER BY status NULLS FIRST"));
        q.add(o("GROUP BY of the table without primary key (duplicate rows)",
                "SELECT kind, note, COUNT(*), SUM(val), MIN(val) FROM events GROUP BY kind, note "
                        + "ORDER BY kind NULLS FIRST, note NULLS FIRST"));
        q.add(o("AVG per group", "SELECT status, AVG(CAST(qty AS DOUBLE)), COUNT(qty) FROM orders GROUP BY status "
                + "ORDER BY status NULLS FIRST"));
        // --- HAVING, ORDER BY, LIMIT above the final aggregate
        q.add(o("HAVING on COUNT and SUM", "SELECT customer_id, COUNT(*), SUM(amount) FROM orders GROUP BY customer_id "
                + "HAVING COUNT(*) > 5 AND SUM(amount) > 100 ORDER BY customer_id NULLS FIRST"));
        q.add(o("ORDER BY an aggregate with LIMIT", "SELECT customer_id, COUNT(*) AS n FROM orders "
                + "GROUP BY customer_id ORDER BY n DESC, customer_id NULLS FIRST LIMIT 7"));
        q.add(o("ORDER BY SUM descending", "SELECT status, SUM(qty) AS s FROM orders GROUP BY status "
                + "ORDER BY s DESC NULLS LAST, status NULLS LAST"));
        // --- DISTINCT
        q.add(u("DISTINCT of one column", "SELECT DISTINCT status FROM orders"));
        q.add(u("DISTINCT of two columns with NULLs", "SELECT DISTINCT region, score FROM customers"));
        q.add(o("COUNT DISTINCT per group", "SELECT status, COUNT(DISTINCT customer_id), COUNT(*) FROM orders "
                + "GROUP BY status ORDER BY status NULLS FIRST"));
        q.add(o("COUNT DISTINCT global", "SELECT COUNT(DISTINCT kind), COUNT(DISTINCT customer_id) FROM events"));
        // --- aggregates over joins and sub-queries still combine correctly
        q.add(o("aggregate of an aggregate", "SELECT COUNT(*), SUM(n) FROM (SELECT customer_id, COUNT(*) AS n "
                + "FROM orders GROUP BY customer_id) t"));
        return q;
    }

    private static DiffQuery o(String label, String sql) {
        return DiffQuery.ordered(label, sql);
    }

    private static DiffQuery u(String label, String sql) {
        return DiffQuery.unordered(label, sql);
    }
}
