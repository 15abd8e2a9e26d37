package io.tessera.jdbc;

import io.tessera.node.storage.Durability;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded clusters of this JVM, one per {@code local:} directory or {@code mem:} name, shared
 * by every connection to that URL and counted by lease.
 *
 * <p>Lifetime, chosen per URL by the {@code close_delay} parameter (seconds):
 * <ul>
 *   <li>{@code -1} (default, both forms): the cluster lives until the JVM exits, like H2's
 *       {@code DB_CLOSE_DELAY=-1}; a pool that drops to zero connections keeps its data. A shutdown
 *       hook stops every cluster at exit; {@code local:} stores are closed cleanly there.</li>
 *   <li>{@code 0}: stopped when its last connection closes ({@code mem:} data is then gone).</li>
 *   <li>{@code n > 0}: stopped {@code n} seconds after its last connection closes, unless a new
 *       connection arrives first.</li>
 * </ul>
 * {@link #shutdown(String)} stops one cluster at once, whatever its connections.
 *
 * <p>The first connection to a URL decides its {@code nodes}, {@code replicas}, {@code zk_port}, {@code durability}
 * and {@code close_delay}; later connections share what is running.
 */
public final class EmbeddedClusters {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedClusters.class);

    public static final String NODES = "nodes";
    public static final String CLOSE_DELAY = "close_delay";
    public static final String ZK_PORT = "zk_port";
    public static final String DURABILITY = "durability";
    public static final String REPLICAS = "replicas";

    private static final Map<String, Entry> clusters = new HashMap<>();
    private static ScheduledExecutorService closer;
    private static boolean hookInstalled;

    private EmbeddedClusters() {}

    /** One connection's claim on a shared cluster; {@link #release()} once, when it closes. */
    public static final class Lease {
        private final Entry entry;
        private boolean released;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public EmbeddedCluster cluster() {
            return entry.cluster;
        }

        public void release() {
            synchronized (EmbeddedClusters.class) {
                if (released) {
                    return;
                }
                released = true;
                EmbeddedClusters.release(entry);
            }
        }
    }

    private static final class Entry {
        final String key;
        final EmbeddedCluster cluster;
        final long closeDelaySeconds;
        int leases;
        ScheduledFuture<?> pendingClose;

        Entry(String key, EmbeddedCluster cluster, long closeDelaySeconds) {
            this.key = key;
            this.cluster = cluster;
            this.closeDelaySeconds = closeDelaySeconds;
        }
    }

    /** Starts the URL's cluster unless it runs already, and takes a lease on it. */
    public static synchronized Lease acquire(TesseraUrl url, Properties info) throws SQLException {
        if (!url.embedded()) {
            throw new IllegalArgumentException("not an embedded URL: " + url);
        }
        String key = url.embeddedKey();
        Entry e = clusters.get(key);
        if (e == null) {
            int closeDelay = url.intParameter(CLOSE_DELAY, info, -1);
            EmbeddedCluster cluster = start(url, info);
            e = new Entry(key, cluster, closeDelay);
            clusters.put(key, e);
            installShutdownHook();
        }
        if (e.pendingClose != null) {
            e.pendingClose.cancel(false);
            e.pendingClose = null;
        }
        e.leases++;
        return new Lease(e);
    }

    private static EmbeddedCluster start(TesseraUrl url, Properties info) throws SQLException {
        int nodes = url.intParameter(NODES, info, EmbeddedCluster.DEFAULT_NODES);
        int zkPort = url.intParameter(ZK_PORT, info, 0);
        int replicas = url.intParameter(REPLICAS, info, 0);
        if (nodes < 1) {
            throw new SQLException("Parameter nodes must be at least 1, not " + nodes, TesseraUrl.SQLSTATE_CONNECTION);
        }
        EmbeddedCluster.Builder b = EmbeddedCluster.builder().nodes(nodes).zkPort(zkPort).replicas(Math.max(0, replicas)).cluster(url.cluster());
        if (url.kind() == TesseraUrl.Kind.LOCAL) {
            b.dataDir(url.path().toAbsolutePath().normalize());
            String d = url.parameter(DURABILITY, info, null);
            if (d != null) {
                try {
                    b.durability(Durability.valueOf(d.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException ex) {
                    throw new SQLException("Parameter durability must be sync or memory, not '" + d + "'",
                            TesseraUrl.SQLSTATE_CONNECTION);
                }
            }
        } else {
            b.name(url.name());
        }
        try {
            return b.start();
        } catch (Exception ex) {
            throw new SQLException("Cannot start the embedded cluster of " + url + ": " + ex.getMessage(),
                    TesseraUrl.SQLSTATE_CONNECTION, ex);
        }
    }

    private static void release(Entry e) {
        e.leases--;
        if (e.leases > 0 || e.closeDelaySeconds < 0 || clusters.get(e.key) != e) {
            return;
        }
        if (e.closeDelaySeconds == 0) {
            stop(e);
        } else {
            e.pendingClose = closer().schedule(() -> {
                synchronized (EmbeddedClusters.class) {
                    if (e.leases == 0 && clusters.get(e.key) == e) {
                        stop(e);
                    }
                }
            }, e.closeDelaySeconds, TimeUnit.SECONDS);
        }
    }

    private static void stop(Entry e) {
        clusters.remove(e.key);
        log.info("Stopping embedded cluster {}", e.key);
        e.cluster.close();
    }

    /**
     * Stops the embedded cluster of {@code url} now, even if connections to it are open (they fail
     * from then on). Returns false when it was not running. A later connection starts it afresh:
     * empty for {@code mem:}, from its directory for {@code local:}.
     */
    public static boolean shutdown(String url) throws SQLException {
        TesseraUrl u = TesseraUrl.parse(url);
        if (!u.embedded()) {
            throw new SQLException("Not an embedded Tessera URL: " + url, TesseraUrl.SQLSTATE_CONNECTION);
        }
        Entry e;
        synchronized (EmbeddedClusters.class) {
            e = clusters.remove(u.embeddedKey());
            if (e == null) {
                return false;
            }
            if (e.pendingClose != null) {
                e.pendingClose.cancel(false);
            }
        }
        e.cluster.close();
        return true;
    }

    /** Stops every embedded cluster of this JVM (the shutdown hook). */
    public static void shutdownAll() {
        List<Entry> all;
        synchronized (EmbeddedClusters.class) {
            all = new ArrayList<>(clusters.values());
            clusters.clear();
        }
        for (Entry e : all) {
            try {
                e.cluster.close();
            } catch (RuntimeException ex) {
                log.warn("Stopping embedded cluster {} failed", e.key, ex);
            }
        }
    }

    /** Whether the embedded cluster of {@code url} runs in this JVM. */
    public static synchronized boolean isRunning(String url) throws SQLException {
        return clusters.containsKey(TesseraUrl.parse(url).embeddedKey());
    }

    private static ScheduledExecutorService closer() {
        if (closer == null) {
            closer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tessera-embedded-closer");
                t.setDaemon(true);
                return t;
            });
        }
        return closer;
    }

    private static void installShutdownHook() {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedClusters::shutdownAll, "tessera-embedded-shutdown"));
            hookInstalled = true;
        }
    }
}
