package io.tessera.coordinator.leader;

import io.tessera.coordinator.zk.ZkNodes;
import io.tessera.protocol.meta.ZkPaths;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.api.transaction.TransactionOp;
import org.apache.zookeeper.KeeperException;

/**
 * One leadership term of this coordinator: the coordinator epoch it won, and the only way it
 * writes metadata. Every {@link #commit} is a multi-op that first checks that the epoch znode still
 * has this term's version, so once another coordinator has bumped the epoch, a deposed leader
 * (which may not know it yet) can never write again. Leadership alone is not a fencing token.
 */
public final class Fence {
    private final CuratorFramework client;
    private final int epoch;

    Fence(CuratorFramework client, int epoch) {
        this.client = client;
        this.epoch = epoch;
    }

    /** The coordinator epoch of this term: the version of {@link ZkPaths#COORDINATOR_EPOCH}. */
    public long epoch() {
        return epoch;
    }

    /** Builds operations to pass to {@link #commit}. */
    public TransactionOp op() {
        return client.transactionOp();
    }

    public List<CuratorTransactionResult> commit(CuratorOp... ops)
            throws NotLeaderException, KeeperException, InterruptedException {
        return commit(List.of(ops));
    }

    /**
     * Applies {@code ops} atomically if, and only if, this term is still current.
     *
     * @throws NotLeaderException when the epoch moved on (nothing was written)
     * @throws KeeperException when one of {@code ops} failed (nothing was written); its code is
     *     that of the failed operation, e.g. {@code BADVERSION} for a lost CAS
     */
    public List<CuratorTransactionResult> commit(List<CuratorOp> ops)
            throws NotLeaderException, KeeperException, InterruptedException {
        try {
            List<CuratorOp> all = new ArrayList<>(ops.size() + 1);
            all.add(client.transactionOp().check().withVersion(epoch).forPath(ZkPaths.COORDINATOR_EPOCH));
            all.addAll(ops);
            return client.transaction().forOperations(all);
        } catch (KeeperException e) {
            if (ZkNodes.failedOp(e) == 0) {
                throw new NotLeaderException("coordinator epoch " + epoch + " was superseded");
            }
            throw e;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // Curator declares Exception; ZooKeeper failures arrive as KeeperException above.
            throw new IllegalStateException("multi-op failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Fence[epoch=" + epoch + "]";
    }
}
