package io.tessera.sql.meta;

import io.tessera.protocol.meta.ZkPaths;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.route.FailoverBudget;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a frontend needs to talk to one cluster ({@code zkConnect}, {@code cluster}): one
 * ZooKeeper session, the {@link ClusterMetadata} cached from it and the {@link CoordinatorClient}.
 *
 * <p>Obtain one with {@link ClusterClients#acquire} (shared by all connections of this JVM;
 * {@link #close()} then releases one reference and the last release closes it) or with
 * {@link #connect} (private; {@link #close()} closes it).
 */
public final class ClusterClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterClient.class);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);
    /** How long coordinator calls keep looking for a leader: the default failover budget. */
    static final Duration RETRY_BUDGET = FailoverBudget.DEFAULT_BUDGET;
    static final Duration DDL_DEADLINE = Duration.ofMinutes(10);
    static final Duration TIMESTAMP_DEADLINE = Duration.ofSeconds(5);

    private final String zkConnect;
    private final String cluster;
    private final CuratorFramework curator;
    private final ClusterMetadata metadata;
    private final CoordinatorClient coordinator;
    private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
    /** Decides whether a close() really closes; set by ClusterClients for shared clients. */
    private final Releaser releaser;
    private boolean closed;

    interface Releaser {
        /** Returns true when the caller held the last reference. */
        boolean release(ClusterClient client);
    }

    private ClusterClient(String zkConnect, String cluster, CuratorFramework curator, ClusterMetadata metadata,
            CoordinatorClient coordinator, Releaser releaser) {
        this.zkConnect = zkConnect;
        this.cluster = cluster;
        this.curator = curator;
        this.metadata = metadata;
        this.coordinator = coordinator;
        this.releaser = releaser;
    }

    /**
     * Connects a private client: opens a ZooKeeper session and loads the metadata.
     *
     * @throws TesseraException 08006 when ZooKeeper cannot be reached or read in time
     */
    public static ClusterClient connect(String zkConnect, String cluster) {
        return open(zkConnect, cluster, c -> true);
    }

    static ClusterClient open(String zkConnect, String cluster, Releaser releaser) {
        CuratorFramework curator = CuratorFrameworkFactory.builder()
                .connectString(zkConnect)
                .namespace(ZkPaths.namespace(cluster))
                .sessionTimeoutMs(30_000)
                .connectionTimeoutMs((int) CONNECT_TIMEOUT.toMillis())
                .retryPolicy(new ExponentialBackoffRetry(100, 5, 2_000))
                .build();
        ClusterMetadata metadata = null;
        try {
            curator.start();
            if (!curator.blockUntilConnected((int) CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw TesseraException.unavailable("cannot reach ZooKeeper at " + zkConnect + " within "
                        + CONNECT_TIMEOUT, null);
            }
            metadata = new ClusterMetadata(curator);
            metadata.start(CONNECT_TIMEOUT);
            CoordinatorClient coordinator = new CoordinatorClient(curator, RETRY_BUDGET, DDL_DEADLINE, TIMESTAMP_DEADLINE);
            log.info("Connected to cluster {} at {}", cluster, zkConnect);
            return new ClusterClient(zkConnect, cluster, curator, metadata, coordinator, releaser);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(metadata, curator);
            throw TesseraException.unavailable("interrupted while connecting to cluster " + cluster, e);
        } catch (RuntimeException e) {
            closeQuietly(metadata, curator);
            throw e;
        }
    }

    private static void closeQuietly(ClusterMetadata metadata, CuratorFramework curator) {
        if (metadata != null) {
            metadata.close();
        }
        curator.close();
    }

    public String zkConnect() {
        return zkConnect;
    }

    public String cluster() {
        return cluster;
    }

    public ClusterMetadata metadata() {
        return metadata;
    }

    public CoordinatorClient coordinator() {
        return coordinator;
    }

    /** Runs {@code action} when this client really closes (e.g. to close channels built on it). */
    public void onClose(Runnable action) {
        onClose.add(action);
    }

    /** Releases this reference; closes the session, cache and channels with the last one. */
    @Override
    public void close() {
        if (!releaser.release(this)) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (Runnable r : onClose) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("Close action of cluster client {} failed: {}", cluster, e.toString());
            }
        }
        coordinator.close();
        metadata.close();
        curator.close();
        log.info("Disconnected from cluster {} at {}", cluster, zkConnect);
    }
}
