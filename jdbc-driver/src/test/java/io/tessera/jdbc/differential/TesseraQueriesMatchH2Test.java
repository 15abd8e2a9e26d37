package io.tessera.jdbc.differential;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Differential test of SELECT: the same data in Tessera (an in-process cluster with embedded ZooKeeper, a
 * coordinator and 3 shard nodes; tables with 3 to 6 shards) and in H2, then hand-written and seeded random queries
 * on both, results compared (lists under a total ORDER BY, multisets otherwise).
 *
 * <p>{@code -Dtessera.diff.seed=N} changes data and queries, {@code -Dtessera.diff.queries=N} the number of
 * generated queries, {@code -Dtessera.diff.only=i} runs only generated query {@code i}. The report of each run is
 * also written to {@code target/differential-reports/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TesseraQueriesMatchH2Test {
    static final int GENERATED = Integer.getInteger("tessera.diff.queries", 300);
    static final long BUDGET_MS = Long.getLong("tessera.diff.budgetMs", 90_000L);

    private Fixture fixture;

    @BeforeAll
    void startBothEngines() throws Exception {
        fixture = Fixture.start("differential_queries", Dataset.standard(Fixture.SEED));
    }

    @AfterAll
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void handWrittenQueriesMatchH2() {
        Report report = new Report("hand-written queries", Fixture.SEED);
        if (System.getProperty("tessera.diff.only") == null) {
            fixture.checkAll(HandWrittenQueries.all(fixture.data), report, BUDGET_MS / 3);
        }
        report.finish("hand-written-queries.txt");
    }

    @Test
    void generatedQueriesMatchH2() {
        Report report = new Report("generated queries", Fixture.SEED);
        QueryGenerator generator = new QueryGenerator(fixture.data);
        String only = System.getProperty("tessera.diff.only");
        List<DiffQuery> queries = only != null
                ? List.of(generator.generateOne(Fixture.SEED, Integer.parseInt(only)))
                : generator.generate(Fixture.SEED, GENERATED);
        fixture.checkAll(queries, report, BUDGET_MS);
        report.finish("generated-queries.txt");
    }
}
