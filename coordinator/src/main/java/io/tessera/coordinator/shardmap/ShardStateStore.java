package io.tessera.coordinator.shardmap;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.leader.NotLeaderException;
import io.tessera.coordinator.zk.ZkNodes;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.ShardState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.TransactionOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authoritative shard map in ZooKeeper: {@code /shards/<id>/state}. Reads go to ZooKeeper
 * (after a sync), never to a cache, because the coordinator acts on them; the reads of all shards
 * are pipelined so a large map costs one round trip, not one per shard.
 */
public final class ShardStateStore {
    private static final Logger log = LoggerFactory.getLogger(ShardStateStore.class);
    private static final long ZK_TIMEOUT_MS = 30_000;
    private static final int MAX_CAS_ATTEMPTS = 20;

    private final CuratorFramework client;

    public ShardStateStore(CuratorFramework client) {
        this.client = client;
    }

    /** Every shard, ordered by table id then ordinal. */
    public List<VersionedShard> readAll() throws Exception {
        ZkNodes.sync(client, ZkPaths.SHARDS, ZK_TIMEOUT_MS);
        List<String> ids;
        try {
            ids = client.getChildren().forPath(ZkPaths.SHARDS);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
        ConcurrentLinkedQueue<VersionedShard> found = new ConcurrentLinkedQueue<>();
        AtomicReference<KeeperException> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(ids.size());
        for (String id : ids) {
            String path = ZkPaths.SHARDS + "/" + id + "/state";
            client.getData().inBackground((c, event) -> {
                try {
                    KeeperException.Code code = KeeperException.Code.get(event.getResultCode());
                    if (code == KeeperException.Code.OK) {
                        found.add(new VersionedShard(ShardState.parseFrom(event.getData()), event.getStat().getVersion()));
                    } else if (code != KeeperException.Code.NONODE) { // NONODE: dropped meanwhile
                        failure.compareAndSet(null, KeeperException.create(code, path));
                    }
                } catch (InvalidProtocolBufferException e) {
                    log.warn("Ignoring unreadable shard state {}: {}", path, e.getMessage());
                } finally {
                    done.countDown();
                }
            }).forPath(path);
        }
        if (!done.await(ZK_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            throw new KeeperException.OperationTimeoutException();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        List<VersionedShard> all = new ArrayList<>(found);
        all.sort(Comparator.comparingLong((VersionedShard v) -> v.state().getTableId())
                .thenComparingInt(v -> v.state().getOrdinal()));
        return all;
    }

    /** The shards of one table, ordered by ordinal. */
    public List<VersionedShard> readTable(long tableId) throws Exception {
        return readAll().stream().filter(v -> v.state().getTableId() == tableId).toList();
    }

    /** How many replicas each node holds. */
    public Map<String, Integer> replicasPerNode() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (VersionedShard v : readAll()) {
            for (String node : v.state().getReplicasList()) {
                counts.merge(node, 1, Integer::sum);
            }
        }
        return counts;
    }

    /** One shard, read from ZooKeeper after a sync; empty when it does not exist. */
    public Optional<VersionedShard> read(long shardId) throws Exception {
        String path = ZkPaths.shardState(shardId);
        ZkNodes.sync(client, path, ZK_TIMEOUT_MS);
        Stat stat = new Stat();
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(path);
            return Optional.of(new VersionedShard(ShardState.parseFrom(data), stat.getVersion()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
    }

    /** The result of {@link #update}: the state read last and the state now stored (the same when unchanged). */
    public record Update(VersionedShard before, ShardState after) {
        public boolean changed() {
            return !before.state().equals(after);
        }
    }

    /**
     * Reads a shard, computes its next state with {@code change} and writes it by CAS on the znode
     * version in a multi-op fenced by {@code fence}; a lost CAS (someone else wrote meanwhile) reads
     * again and retries, so {@code change} must be a function of the state it is given. Nothing is
     * written when {@code change} returns its argument.
     *
     * @return empty when the shard does not exist
     * @throws NotLeaderException when the coordinator epoch moved on (nothing was written)
     */
    public Optional<Update> update(Fence fence, long shardId, UnaryOperator<ShardState> change) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Optional<VersionedShard> current = read(shardId);
            if (current.isEmpty()) {
                return Optional.empty();
            }
            VersionedShard before = current.get();
            ShardState after = change.apply(before.state());
            if (after.equals(before.state())) {
                return Optional.of(new Update(before, after));
            }
            after = after.toBuilder().setConfigVersion(before.state().getConfigVersion() + 1).build();
            try {
                fence.commit(fence.op().setData().withVersion(before.version())
                        .forPath(ZkPaths.shardState(shardId), after.toByteArray()));
                return Optional.of(new Update(before, after));
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException raced) {
                if (attempt >= MAX_CAS_ATTEMPTS) {
                    throw raced;
                }
                log.debug("Shard {} changed under us (version {}), retrying", shardId, before.version());
            }
        }
    }

    /** Operations creating a new shard's znodes. */
    public static List<CuratorOp> createOps(TransactionOp op, ShardState state) throws Exception {
        return List.of(
                op.create().forPath(ZkPaths.shard(state.getShardId()), new byte[0]),
                op.create().forPath(ZkPaths.shardState(state.getShardId()), state.toByteArray()));
    }

    /** Operations removing a shard, failing if its state changed since it was read. */
    public static List<CuratorOp> deleteOps(TransactionOp op, VersionedShard shard) throws Exception {
        long id = shard.state().getShardId();
        return List.of(
                op.delete().withVersion(shard.version()).forPath(ZkPaths.shardState(id)),
                op.delete().forPath(ZkPaths.shard(id)));
    }
}
