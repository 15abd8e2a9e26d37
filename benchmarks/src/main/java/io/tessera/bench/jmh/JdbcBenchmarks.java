package io.tessera.bench.jmh;

import io.tessera.bench.BenchSettings;
import io.tessera.bench.RunningPeer;
import io.tessera.bench.peer.Peers;
import io.tessera.bench.workload.Operations;
import io.tessera.bench.workload.Session;
import java.sql.SQLException;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The JDBC micro-benchmarks, one {@code @Benchmark} per operation of {@link Operations}, for the peer
 * named by {@link #peer}. Inside {@code tessera bench} (forks = 0) the peer already runs with its data
 * and is found by id; run standalone (e.g. {@code java -jar benchmarks.jar JdbcBenchmarks -p peer=tessera})
 * each fork starts its own peer with the quick data size.
 */
@State(Scope.Benchmark)
public class JdbcBenchmarks {
    @Param({"tessera"})
    public String peer;

    RunningPeer running;
    private boolean owned;
    Operations ops;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        running = RunningPeer.current(peer);
        if (running == null) {
            running = RunningPeer.start(Peers.create(peer), BenchSettings.quick());
            owned = true;
        }
        ops = running.operations();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (owned) {
            running.close();
        }
    }

    /** One client: a pooled connection held for the trial, with its prepared statements. */
    @State(Scope.Thread)
    public static class Client {
        Session session;
        SplittableRandom random;

        @Setup(Level.Trial)
        public void setUp(JdbcBenchmarks b) throws SQLException {
            session = new Session(b.running.dataSource().getConnection());
            random = new SplittableRandom(ThreadLocalRandom.current().nextLong());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            session.close();
        }
    }

    @Benchmark
    public long pointSelectPk(Client c) throws SQLException {
        return ops.run("pointSelectPk", c.session, c.random);
    }

    @Benchmark
    public long pointSelectIndex(Client c) throws SQLException {
        return ops.run("pointSelectIndex", c.session, c.random);
    }

    @Benchmark
    public long insert(Client c) throws SQLException {
        return ops.run("insert", c.session, c.random);
    }

    @Benchmark
    public long batchInsert(Client c) throws SQLException {
        return ops.run("batchInsert", c.session, c.random);
    }

    @Benchmark
    public long updateByKey(Client c) throws SQLException {
        return ops.run("updateByKey", c.session, c.random);
    }

    @Benchmark
    public long rangeScanOrderLimit(Client c) throws SQLException {
        return ops.run("rangeScanOrderLimit", c.session, c.random);
    }

    @Benchmark
    public long groupByAggregate(Client c) throws SQLException {
        return ops.run("groupByAggregate", c.session, c.random);
    }

    @Benchmark
    public long join(Client c) throws SQLException {
        return ops.run("join", c.session, c.random);
    }

    @Benchmark
    public long transaction(Client c) throws SQLException {
        return ops.run("transaction", c.session, c.random);
    }

    @Benchmark
    public long transactionOneRow(Client c) throws SQLException {
        return ops.run("transactionOneRow", c.session, c.random);
    }

    @Benchmark
    public long transactionWritesAutocommit(Client c) throws SQLException {
        return ops.run("transactionWritesAutocommit", c.session, c.random);
    }
}
