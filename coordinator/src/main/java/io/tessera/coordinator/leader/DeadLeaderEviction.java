package io.tessera.coordinator.leader;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.CoordinatorInfo;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standby's shortcut past a dead leader's session timeout. When the published leader's port
 * refuses connections on {@value #REFUSALS} probes in a row, its process is gone (nothing listens
 * there, so it cannot hand out timestamps either); the standby deletes the leader's latch node,
 * and the next candidate is elected at once instead of after the ZooKeeper session expires.
 *
 * <p>Safe even if the probe were wrong: the new leader bumps the coordinator epoch, which fences
 * every metadata write of the old term and ends its timestamp oracle at its next lease renewal;
 * and timestamps continue above the persisted limit. A leader that merely does not answer (a
 * pause, a partition) is left to its session timeout.
 */
public final class DeadLeaderEviction implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeadLeaderEviction.class);
    static final int REFUSALS = 2;
    private static final int CONNECT_TIMEOUT_MS = 300;

    private final CuratorFramework client;
    private final String coordinatorId;
    private final BooleanSupplier leading;
    private final ScheduledExecutorService probe;
    private String suspect; // "id@address#epoch" of the leader that refused last time
    private int refusals;

    public DeadLeaderEviction(CuratorFramework client, String coordinatorId, BooleanSupplier leading) {
        this.client = client;
        this.coordinatorId = coordinatorId;
        this.leading = leading;
        this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coordinator-leader-probe-" + coordinatorId);
            t.setDaemon(true);
            return t;
        });
    }

    public DeadLeaderEviction start(Duration interval) {
        long ms = interval.toMillis();
        probe.scheduleWithFixedDelay(this::probeOnce, ms, ms, TimeUnit.MILLISECONDS);
        return this;
    }

    private void probeOnce() {
        try {
            if (leading.getAsBoolean()) {
                refusals = 0;
                return;
            }
            CoordinatorInfo leader = readLeader();
            if (leader == null || leader.getCoordinatorId().equals(coordinatorId)) {
                refusals = 0;
                return;
            }
            String who = leader.getCoordinatorId() + "@" + leader.getAddress() + "#" + leader.getEpoch();
            if (!refuses(leader.getAddress())) {
                refusals = 0;
                return;
            }
            refusals = who.equals(suspect) ? refusals + 1 : 1;
            suspect = who;
            if (refusals >= REFUSALS) {
                refusals = 0;
                evict(leader);
            }
        } catch (Exception e) {
            log.debug("Leader probe of coordinator {} failed: {}", coordinatorId, e.toString());
        }
    }

    private CoordinatorInfo readLeader() throws Exception {
        try {
            return CoordinatorInfo.parseFrom(client.getData().forPath(ZkPaths.COORDINATOR_LEADER));
        } catch (KeeperException.NoNodeException | InvalidProtocolBufferException e) {
            return null;
        }
    }

    /** True only for a refused connection: a timeout says nothing about the process. */
    private static boolean refuses(String address) {
        int colon = address.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1)));
        try (Socket s = new Socket()) {
            s.connect(target, CONNECT_TIMEOUT_MS);
            return false;
        } catch (ConnectException refused) {
            return true;
        } catch (IOException other) {
            return false;
        }
    }

    /** Deletes the first latch node if it is the refusing leader's. */
    private void evict(CoordinatorInfo leader) throws Exception {
        List<String> children = client.getChildren().forPath(ZkPaths.COORDINATOR_LATCH);
        String first = children.stream().min(Comparator.comparing(DeadLeaderEviction::sequence)).orElse(null);
        if (first == null) {
            return;
        }
        String path = ZkPaths.COORDINATOR_LATCH + "/" + first;
        Stat stat = new Stat();
        byte[] id = client.getData().storingStatIn(stat).forPath(path);
        if (!leader.getCoordinatorId().equals(new String(id, StandardCharsets.UTF_8))) {
            return; // the election moved on meanwhile
        }
        try {
            client.delete().withVersion(stat.getVersion()).forPath(path);
            log.warn("Leading coordinator {} (epoch {}) at {} refuses connections: removed its latch node so a"
                    + " standby leads without waiting for its ZooKeeper session to expire",
                    leader.getCoordinatorId(), leader.getEpoch(), leader.getAddress());
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException gone) {
            // its session ended meanwhile
        }
    }

    /** LeaderLatch nodes end with a 10-digit sequence number. */
    private static String sequence(String child) {
        return child.length() >= 10 ? child.substring(child.length() - 10) : child;
    }

    @Override
    public void close() {
        probe.shutdownNow();
    }
}
