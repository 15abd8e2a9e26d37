package io.tessera.cli.chaos;

import io.tessera.node.storage.Durability;
import io.tessera.node.storage.KeyRange;
import io.tessera.node.storage.Replica;
import io.tessera.node.storage.ReplicaSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The locks still stored in every replica after a run, read from copies of the replica files with
 * the node's own storage classes (the processes must be stopped). A transaction whose client died
 * leaves its locks behind until a reader or writer meets them; after a final read of every row
 * (past the locks' TTL) none may be left, on any replica, primary or follower.
 */
public final class LeftoverLocks {
    /** One replica's file: its locked keys and its rows (visible at {@code Long.MAX_VALUE}). */
    public record ReplicaContents(String nodeId, long shardId, long tableId, long locks, long rows) {}

    private LeftoverLocks() {}

    /**
     * @param nodeDirs node id → data directory
     * @param scratch  where the copies go
     */
    public static List<ReplicaContents> read(Map<String, Path> nodeDirs, Path scratch) throws IOException {
        List<ReplicaContents> out = new ArrayList<>();
        for (Map.Entry<String, Path> nd : nodeDirs.entrySet()) {
            Path copy = scratch.resolve(nd.getKey());
            ReplicaAudit.copyReplicaFiles(nd.getValue(), copy);
            try (ReplicaSet set = new ReplicaSet(copy, Durability.SYNC)) {
                set.openAll();
                for (long shardId : set.shardIds()) {
                    Replica r = set.get(shardId);
                    out.add(new ReplicaContents(nd.getKey(), shardId, r.state().getTableId(), r.lockCount(), rows(r)));
                }
            }
        }
        return out;
    }

    private static long rows(Replica r) {
        long n = 0;
        Iterator<Object[]> it = r.scan(Long.MAX_VALUE, KeyRange.ALL);
        while (it.hasNext()) {
            it.next();
            n++;
        }
        return n;
    }
}
