package io.tessera.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.tessera.bench.peer.Peer;
import io.tessera.bench.peer.ShardingSpherePeer;
import io.tessera.bench.workload.Operations;
import io.tessera.bench.workload.Schema;
import io.tessera.bench.ycsb.YcsbRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A started peer with its schema, data and HikariCP pool: what JMH states and the YCSB runner use.
 * Registered by id while it runs, so in-process JMH runs (forks = 0) find it.
 */
public final class RunningPeer implements AutoCloseable {
    private static final Map<String, RunningPeer> CURRENT = new ConcurrentHashMap<>();

    private final Peer peer;
    private final BenchSettings settings;
    private final Path workDir;
    private final HikariDataSource pool;
    private final Operations operations;
    private final String version;
    private final double loadSeconds;
    private final double ycsbLoadSeconds;

    private RunningPeer(Peer peer, BenchSettings settings, Path workDir, HikariDataSource pool, String version,
                        double loadSeconds, double ycsbLoadSeconds) {
        this.peer = peer;
        this.settings = settings;
        this.workDir = workDir;
        this.pool = pool;
        this.version = version;
        this.loadSeconds = loadSeconds;
        this.ycsbLoadSeconds = ycsbLoadSeconds;
        this.operations = new Operations(settings.rows(), new AtomicLong(settings.rows() * 10));
    }

    public static RunningPeer current(String id) {
        return CURRENT.get(id);
    }

    /** Starts {@code peer}, creates the schema, loads the item tables and YCSB's usertable. */
    public static RunningPeer start(Peer peer, BenchSettings s) throws Exception {
        return start(peer, s, true);
    }

    /** As {@link #start(Peer, BenchSettings)}; {@code items = false} loads only YCSB's usertable. */
    public static RunningPeer start(Peer peer, BenchSettings s, boolean items) throws Exception {
        Path dir = Files.createTempDirectory("tessera-bench-" + peer.id() + "-");
        long t0 = System.nanoTime();
        HikariDataSource pool = null;
        try {
            if (peer instanceof ShardingSpherePeer ss) {
                ss.poolSize(s.threads());
            }
            peer.start(dir);
            peer.executeDdl(Schema.ddl(peer));
            peer.schemaReady();
            pool = pool(peer, s.threads());
            String version;
            try (Connection c = pool.getConnection()) {
                DatabaseMetaData md = c.getMetaData();
                version = md.getDatabaseProductName() + " " + md.getDatabaseProductVersion();
            }
            long t1 = System.nanoTime();
            if (items) {
                Schema.load(pool, s.rows(), 500);
            }
            long t2 = System.nanoTime();
            YcsbRunner.load(pool, peer.id(), s.ycsbRecords(), s.threads());
            long t3 = System.nanoTime();
            System.err.printf("bench: %s started in %.1f s, items loaded in %.1f s, usertable in %.1f s%n",
                    peer.displayName(), (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
            RunningPeer rp = new RunningPeer(peer, s, dir, pool, version, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
            CURRENT.put(peer.id(), rp);
            return rp;
        } catch (Exception | Error e) {
            if (pool != null) {
                pool.close();
            }
            peer.close();
            deleteTree(dir);
            throw e;
        }
    }

    static HikariDataSource pool(Peer peer, int size) throws Exception {
        HikariConfig hc = new HikariConfig();
        DataSource ds = peer.dataSource();
        if (ds != null) {
            hc.setDataSource(ds);
        } else {
            hc.setJdbcUrl(peer.jdbcUrl());
            hc.setDriverClassName(peer.driverClassName());
            hc.setDataSourceProperties(peer.connectionProperties());
            String user = peer.connectionProperties().getProperty("user");
            if (user != null) {
                hc.setUsername(user);
            }
        }
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(size);
        hc.setPoolName("bench-" + peer.id());
        hc.setAutoCommit(true);
        hc.setConnectionTimeout(60_000);
        hc.setInitializationFailTimeout(60_000);
        return new HikariDataSource(hc);
    }

    public Peer peer() {
        return peer;
    }

    public BenchSettings settings() {
        return settings;
    }

    public DataSource dataSource() {
        return pool;
    }

    public Operations operations() {
        return operations;
    }

    public String version() {
        return version;
    }

    public double loadSeconds() {
        return loadSeconds;
    }

    public double ycsbLoadSeconds() {
        return ycsbLoadSeconds;
    }

    @Override
    public void close() {
        CURRENT.remove(peer.id(), this);
        YcsbRunner.unregister(peer.id());
        pool.close();
        peer.close();
        deleteTree(workDir);
    }

    static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
