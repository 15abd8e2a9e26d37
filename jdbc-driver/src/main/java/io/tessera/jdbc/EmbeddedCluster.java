package io.tessera.jdbc;

import io.tessera.coordinator.Coordinator;
import io.tessera.coordinator.CoordinatorConfig;
import io.tessera.coordinator.zk.EmbeddedZooKeeper;
import io.tessera.node.ShardNode;
import io.tessera.node.ShardNodeConfig;
import io.tessera.node.storage.Durability;
import io.tessera.protocol.meta.ZkPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole Tessera cluster inside this JVM: an embedded ZooKeeper, one coordinator and {@code nodes}
 * shard nodes. Behind the driver's {@code local:} and {@code mem:} URLs, and (with zero nodes) the
 * ZooKeeper + coordinator half of the launcher's {@code local} mode.
 *
 * <p>Persistent ({@link Builder#dataDir}): ZooKeeper keeps its data in {@code dataDir/zk}, node
 * {@code i} (ids {@code node-1..node-N}) in {@code dataDir/node-i}; a cluster started again on the same
 * directory finds its tables, shards and rows. In memory (no data directory): ZooKeeper runs in a
 * temporary directory deleted by {@link #close()}, and the nodes keep their shards in memory.
 */
public final class EmbeddedCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedCluster.class);

    public static final int DEFAULT_NODES = 3;
    /** Replicas per shard unless a table says otherwise: 3, or fewer when there are fewer nodes. */
    public static final int DEFAULT_REPLICAS = 3;
    private static final String LOOPBACK = "127.0.0.1";
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

    private final Builder config;
    private final Path zkDir;
    private final boolean temporaryZkDir;
    private EmbeddedZooKeeper zooKeeper;
    private Coordinator coordinator;
    private final List<ShardNode> nodes = new ArrayList<>();
    private boolean closed;

    /** How to run an embedded cluster; {@link #start()} runs it. */
    public static final class Builder {
        private Path dataDir;
        private String name = "embedded";
        private int nodes = DEFAULT_NODES;
        private int zkPort;
        private int replicas;
        private String cluster = ZkPaths.DEFAULT_CLUSTER;
        private Durability durability;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private Duration gcWindow;
        private Duration gcInterval;

        private Builder() {}

        /** Where everything is persisted; null (default) = in memory. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** A label for logs and the temporary directory of an in-memory cluster. */
        public Builder name(String n) {
            this.name = Objects.requireNonNull(n);
            return this;
        }

        /** Shard nodes in this JVM (default 3); 0 runs only ZooKeeper and the coordinator. */
        public Builder nodes(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("nodes must be >= 0: " + n);
            }
            this.nodes = n;
            return this;
        }

        /**
         * Default replicas per shard; 0 (default) = {@value EmbeddedCluster#DEFAULT_REPLICAS}, or the node count
         * when smaller. With zero nodes in this JVM (nodes in other processes), set it explicitly.
         */
        public Builder replicas(int r) {
            if (r < 0) {
                throw new IllegalArgumentException("replicas must be >= 0: " + r);
            }
            this.replicas = r;
            return this;
        }

        /** ZooKeeper's client port; 0 (default) = a free one. */
        public Builder zkPort(int port) {
            this.zkPort = port;
            return this;
        }

        public Builder cluster(String c) {
            this.cluster = Objects.requireNonNull(c);
            return this;
        }

        /** Shard nodes' durability; default SYNC when persistent, MEMORY in memory. */
        public Builder durability(Durability d) {
            this.durability = d;
            return this;
        }

        public Builder startTimeout(Duration t) {
            this.startTimeout = Objects.requireNonNull(t);
            return this;
        }

        /**
         * How far back {@code AS OF} reads may go and how long a transaction may stay open: versions
         * older than this are garbage-collected (default 10 min; docs/transactions.md).
         */
        public Builder gcWindow(Duration window) {
            this.gcWindow = window;
            return this;
        }

        /** Time between garbage-collection rounds (default 1 min, or the window when shorter). */
        public Builder gcInterval(Duration interval) {
            this.gcInterval = interval;
            return this;
        }

        /** Starts the cluster and returns once its nodes and coordinator are registered. */
        public EmbeddedCluster start() throws IOException, InterruptedException {
            EmbeddedCluster c = new EmbeddedCluster(this);
            try {
                c.startAll();
                return c;
            } catch (IOException | InterruptedException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private EmbeddedCluster(Builder b) throws IOException {
        this.config = b;
        if (b.dataDir != null) {
            this.zkDir = b.dataDir.resolve("zk");
            this.temporaryZkDir = false;
        } else {
            this.zkDir = Files.createTempDirectory("tessera-mem-" + b.name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-");
            this.temporaryZkDir = true;
        }
    }

    private void startAll() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        if (config.dataDir != null) {
            Files.createDirectories(config.dataDir);
        }
        zooKeeper = new EmbeddedZooKeeper(zkDir, config.zkPort).start();
        String zk = zooKeeper.connectString();
        int replicas = config.replicas > 0 ? config.replicas : Math.max(1, Math.min(DEFAULT_REPLICAS, config.nodes));
        coordinator = new Coordinator(CoordinatorConfig.of("coordinator-1", zk, config.cluster, LOOPBACK, 0)
                .withDefaultReplicationFactor(replicas).withGcWindow(config.gcWindow).withGcInterval(config.gcInterval));
        coordinator.start();
        Durability durability = config.durability != null ? config.durability
                : config.dataDir != null ? Durability.SYNC : Durability.MEMORY;
        for (int i = 1; i <= config.nodes; i++) {
            Path dir = config.dataDir == null ? null : config.dataDir.resolve("node-" + i);
            ShardNode node = new ShardNode(new ShardNodeConfig(
                    "node-" + i, dir, LOOPBACK, 0, zk, config.cluster, durability));
            nodes.add(node);
            node.start();
        }
        try {
            ClusterReadiness.await(zk, config.cluster, config.nodes, true, config.startTimeout);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException(e.getMessage(), e);
        }
        log.info("Embedded cluster '{}' ({}) ready at {} with {} nodes in {} ms", config.cluster,
                config.dataDir != null ? config.dataDir : "in memory", zk, config.nodes,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** ZooKeeper connect string, {@code 127.0.0.1:port}. */
    public String zkConnect() {
        return zooKeeper.connectString();
    }

    public int zkPort() {
        return zooKeeper.port();
    }

    public String cluster() {
        return config.cluster;
    }

    /** Null for an in-memory cluster. */
    public Path dataDir() {
        return config.dataDir;
    }

    /** The {@code jdbc:tessera://...} URL that reaches this cluster from any JVM on this host. */
    public String jdbcUrl() {
        return TesseraUrl.remote(zkConnect(), cluster());
    }

    public List<ShardNode> nodes() {
        return List.copyOf(nodes);
    }

    /** The coordinator running in this JVM (its duties' state, e.g. the last GC round). */
    public Coordinator coordinator() {
        return coordinator;
    }

    /** Stops nodes, coordinator and ZooKeeper, in that order; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The coordinator first: otherwise it would fail shards over to the nodes still running.
        if (coordinator != null) {
            quietly("coordinator", coordinator::close);
        }
        for (int i = nodes.size() - 1; i >= 0; i--) {
            ShardNode n = nodes.get(i);
            quietly("shard node " + (i + 1), n::close);
        }
        if (zooKeeper != null) {
            quietly("ZooKeeper", zooKeeper::close);
        }
        if (temporaryZkDir) {
            deleteRecursively(zkDir);
        }
        log.info("Embedded cluster '{}' ({}) stopped", config.cluster,
                config.dataDir != null ? config.dataDir : "in memory");
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(String what, Step step) {
        try {
            step.run();
        } catch (Exception e) {
            log.warn("Stopping {} failed", what, e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    log.debug("cannot delete {}", p, e);
                }
            });
        } catch (IOException e) {
            log.debug("cannot delete {}", dir, e);
        }
    }
}
