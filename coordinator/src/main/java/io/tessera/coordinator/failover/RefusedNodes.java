package io.tessera.coordinator.failover;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.tessera.coordinator.nodeadmin.ShardNodeAdmin;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.PingResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detects a crashed shard-node process faster than its ZooKeeper session does: a registered node
 * whose gRPC port refuses connections ({@code UNAVAILABLE}) on {@value #STRIKES} sweeps in a row is
 * treated as gone. That is safe because failover is fenced by the epoch and a promoted follower waits
 * out the read lease it granted; a hung process (SIGSTOP) still holds its port, times out instead,
 * and is left to the session timeout. Called on the failover thread only.
 */
final class RefusedNodes {
    private static final Logger log = LoggerFactory.getLogger(RefusedNodes.class);
    static final int STRIKES = 2;
    private static final Duration PING_DEADLINE = Duration.ofMillis(300);

    private final ShardNodeAdmin nodes;
    /** Consecutive refusals per registration (id, address, start time). */
    private final Map<NodeInfo, Integer> strikes = new HashMap<>();

    RefusedNodes(ShardNodeAdmin nodes) {
        this.nodes = nodes;
    }

    /** Pings every registered node in parallel; returns the ids of those refusing connections. */
    Set<String> refusing(Map<String, NodeInfo> live) throws InterruptedException {
        strikes.keySet().retainAll(live.values());
        Map<NodeInfo, ListenableFuture<PingResponse>> pings = new HashMap<>();
        for (NodeInfo node : live.values()) {
            if (!strikes.containsKey(node)) {
                nodes.resetConnectBackoff(node.getAddress()); // a new registration: connect afresh
            }
            pings.put(node, nodes.ping(node.getAddress(), PING_DEADLINE));
        }
        Set<String> refusing = new HashSet<>();
        for (Map.Entry<NodeInfo, ListenableFuture<PingResponse>> e : pings.entrySet()) {
            NodeInfo node = e.getKey();
            int n = refused(e.getValue()) ? strikes.getOrDefault(node, 0) + 1 : 0;
            strikes.put(node, n);
            if (n == STRIKES) {
                log.warn("Shard node {} at {} refuses connections: treating it as gone before its ZooKeeper session"
                        + " expires", node.getNodeId(), node.getAddress());
            }
            if (n >= STRIKES) {
                refusing.add(node.getNodeId());
            }
        }
        return refusing;
    }

    private static boolean refused(ListenableFuture<PingResponse> ping) throws InterruptedException {
        try {
            ping.get(PING_DEADLINE.toMillis() * 2, TimeUnit.MILLISECONDS);
            return false;
        } catch (ExecutionException e) {
            return Status.fromThrowable(e.getCause()).getCode() == Status.Code.UNAVAILABLE;
        } catch (TimeoutException e) {
            ping.cancel(true);
            return false;
        }
    }
}
