package io.tessera.coordinator;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.tessera.coordinator.catalog.Catalog;
import io.tessera.coordinator.failover.FailoverManager;
import io.tessera.coordinator.failover.SyncSetChanges;
import io.tessera.coordinator.gc.GarbageCollector;
import io.tessera.coordinator.gc.GcRound;
import io.tessera.coordinator.gc.SafePointStore;
import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.leader.Leadership;
import io.tessera.coordinator.leader.LeadershipListener;
import io.tessera.coordinator.membership.Membership;
import io.tessera.coordinator.nodeadmin.ShardNodeAdmin;
import io.tessera.coordinator.rpc.CoordinatorServiceImpl;
import io.tessera.coordinator.shardmap.ShardStateStore;
import io.tessera.coordinator.leader.DeadLeaderEviction;
import io.tessera.coordinator.tso.TimestampOracle;
import io.tessera.protocol.meta.ZkPaths;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.state.SessionConnectionStateErrorPolicy;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One coordinator process: joins the leader election of its cluster and, while it leads, serves
 * timestamps, DDL and sync-set changes over gRPC and runs failover ({@link FailoverManager}) and
 * garbage collection ({@link GarbageCollector}).
 * Standbys serve too, answering NOT_PRIMARY with the leader's address. Construct,
 * {@link #start()}, and {@link #close()}; the launcher and the embedded cluster own the process
 * around it.
 */
public final class Coordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

    /** How often the leader checks every shard's replica group (besides on membership changes). */
    private static final Duration FAILOVER_SWEEP = Duration.ofMillis(500);
    /** How often a standby checks that the leading coordinator's port still accepts connections. */
    private static final Duration LEADER_PROBE = Duration.ofMillis(500);

    private final CoordinatorConfig config;
    private CuratorFramework curator;
    private Membership membership;
    private ShardNodeAdmin nodeAdmin;
    private TimestampOracle tso;
    private DeadLeaderEviction eviction;
    private FailoverManager failover;
    private volatile GarbageCollector gc;
    private Leadership leadership;
    private Server server;
    private boolean started;
    private boolean closed;

    public Coordinator(CoordinatorConfig config) {
        this.config = config;
    }

    /**
     * Connects to ZooKeeper, binds the gRPC port and joins the election. Returns without waiting
     * for leadership (see {@link #awaitLeadership}).
     */
    public synchronized Coordinator start() throws IOException {
        if (started) {
            return this;
        }
        if (closed) {
            throw new IllegalStateException("coordinator " + config.id() + " is closed");
        }
        started = true;
        try {
            curator = CuratorFrameworkFactory.builder()
                    .connectString(config.zkConnect())
                    .namespace(ZkPaths.namespace(config.cluster()))
                    .sessionTimeoutMs((int) config.zkSessionTimeout().toMillis())
                    .connectionTimeoutMs((int) Math.min(config.zkSessionTimeout().toMillis(), 15_000))
                    .retryPolicy(new ExponentialBackoffRetry(100, 6, 2_000))
                    // Leadership outlives a suspended connection while the session may be alive.
                    .connectionStateErrorPolicy(new SessionConnectionStateErrorPolicy())
                    .build();
            curator.start();
            if (!curator.blockUntilConnected((int) config.zkSessionTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("coordinator " + config.id() + " cannot reach ZooKeeper at " + config.zkConnect());
            }
            membership = new Membership(curator);
            membership.start();
            nodeAdmin = new ShardNodeAdmin(config.nodeRpcTimeout());
            Catalog catalog = new Catalog(curator, membership, nodeAdmin, config.defaultReplicationFactor());
            tso = new TimestampOracle(curator, System::currentTimeMillis, config.tsoWindow());
            ShardStateStore shardStates = new ShardStateStore(curator);
            failover = new FailoverManager(shardStates, membership, nodeAdmin, catalog, FAILOVER_SWEEP,
                    config.replaceAfter(), fence -> leadership.termRejected(fence), System::nanoTime);
            membership.addListener(failover);
            FailoverManager failoverDuty = failover;
            gc = new GarbageCollector(shardStates, membership, nodeAdmin, tso, new SafePointStore(curator),
                    config.gcWindow(), config.gcInterval(), fence -> leadership.termRejected(fence));
            GarbageCollector gcDuty = gc;

            leadership = new Leadership(curator, config.id(), new LeadershipListener() {
                @Override
                public void elected(Fence fence) throws Exception {
                    catalog.ensureLayout();
                    tso.recover(fence);
                    failoverDuty.start(fence);
                    gcDuty.start(fence);
                }

                @Override
                public void deposed(Fence fence) {
                    gcDuty.stop(fence);
                    failoverDuty.stop(fence);
                    tso.stop();
                }
            });
            CoordinatorServiceImpl service = new CoordinatorServiceImpl(config.id(), leadership, tso, catalog,
                    new SyncSetChanges(shardStates, membership, nodeAdmin, failover::publish));
            server = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.grpcPort()))
                    .addService(service).build().start();
            leadership.start(address());
            eviction = new DeadLeaderEviction(curator, config.id(), leadership::isLeader).start(LEADER_PROBE);
            log.info("Coordinator {} of cluster {} serving at {} (ZooKeeper {})", config.id(), config.cluster(),
                    address(), config.zkConnect());
            return this;
        } catch (IOException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IOException("coordinator " + config.id() + " failed to start: " + e.getMessage(), e);
        }
    }

    public CoordinatorConfig config() {
        return config;
    }

    public String id() {
        return config.id();
    }

    /** The bound gRPC port. */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("coordinator " + config.id() + " is not started");
        }
        return server.getPort();
    }

    /** {@code host:port} as published in the leader znode. */
    public String address() {
        return config.host() + ":" + port();
    }

    /** Whether this coordinator leads now, with an established term. */
    public boolean isLeader() {
        Leadership l = leadership;
        return l != null && l.isLeader();
    }

    /** The coordinator epoch of the current term, or -1 when not leading. */
    public long epoch() {
        Leadership l = leadership;
        return l == null ? -1 : l.fence().map(Fence::epoch).orElse(-1L);
    }

    public boolean awaitLeadership(Duration timeout) throws InterruptedException {
        Leadership l = leadership;
        if (l == null) {
            throw new IllegalStateException("coordinator " + config.id() + " is not started");
        }
        return l.awaitLeadership(timeout);
    }

    /** The last garbage-collection round this coordinator ran as leader, if any. */
    public Optional<GcRound> lastGcRound() {
        GarbageCollector g = gc;
        return g == null ? Optional.empty() : g.lastRound();
    }

    /** For tests in this module: the coordinator's ZooKeeper session. */
    CuratorFramework curator() {
        return curator;
    }

    /** For tests in this module: closes the gRPC port, as a dead process would, keeping the session. */
    synchronized void closePortForTest() {
        server.shutdownNow();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (eviction != null) {
            eviction.close();
        }
        if (leadership != null) {
            leadership.close();
        }
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (membership != null) {
            membership.close();
        }
        if (failover != null) {
            failover.close();
        }
        if (gc != null) {
            gc.close();
        }
        if (tso != null) {
            tso.close();
        }
        if (nodeAdmin != null) {
            nodeAdmin.close();
        }
        if (curator != null) {
            curator.close();
        }
        log.info("Coordinator {} stopped", config.id());
    }
}
