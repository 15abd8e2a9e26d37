package io.tessera.cli.chaos;

import io.tessera.node.storage.Durability;
import io.tessera.node.storage.KeyRange;
import io.tessera.node.storage.Replica;
import io.tessera.node.storage.ReplicaSet;
import io.tessera.protocol.proto.ShardState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The storage's view after a run, with every process stopped: copies each node's replica files,
 * opens the copies with the node's own storage classes ({@link ReplicaSet#openAll()}), reads every
 * row at {@code Long.MAX_VALUE} and checks that every member of a shard's final sync set holds
 * the same rows at the same log position. Replicas outside the sync set are reported, not checked
 * (they may lag by design).
 */
public final class ReplicaAudit {
    /** One replica as read from its file. */
    record Copy(String nodeId, long shardId, Replica.Positions positions, ShardState state,
                Map<Long, List<Object>> rows) {}

    private ReplicaAudit() {}

    /**
     * @param nodeDirs    node id → data directory (the processes must be stopped)
     * @param finalStates the table's shard states as ZooKeeper held them at the end
     * @param scratch     where the copies go
     * @return the rows of every shard's sync-set members (for the ledger check), one list per
     *     shard: the first member's rows
     */
    public static List<RowAudit.Row> check(Map<String, Path> nodeDirs, List<ShardState> finalStates, Path scratch,
                                           ChaosReport report) throws IOException {
        Map<Long, Map<String, Copy>> byShard = new TreeMap<>();
        List<String> unreadable = new ArrayList<>();
        for (Map.Entry<String, Path> nd : nodeDirs.entrySet()) {
            Path copyDir = scratch.resolve(nd.getKey());
            copyReplicaFiles(nd.getValue(), copyDir);
            try (ReplicaSet set = new ReplicaSet(copyDir, Durability.SYNC)) {
                set.openAll();
                for (ShardState s : finalStates) {
                    Replica r = set.get(s.getShardId());
                    if (r == null) {
                        continue;
                    }
                    byShard.computeIfAbsent(s.getShardId(), k -> new TreeMap<>())
                            .put(nd.getKey(), new Copy(nd.getKey(), s.getShardId(), r.positions(), r.state(), rows(r)));
                }
            } catch (RuntimeException e) {
                unreadable.add(nd.getKey() + ": " + e);
            }
        }
        report.check("replica files: every node's files open", unreadable);

        List<String> missing = new ArrayList<>();
        List<String> diverged = new ArrayList<>();
        List<String> keyInTwoShards = new ArrayList<>();
        List<RowAudit.Row> rows = new ArrayList<>();
        Map<Long, Long> shardOfKey = new HashMap<>();
        for (ShardState s : finalStates) {
            Map<String, Copy> copies = byShard.getOrDefault(s.getShardId(), Map.of());
            List<Copy> members = new ArrayList<>();
            for (String m : s.getSyncSetList()) {
                Copy c = copies.get(m);
                if (c == null) {
                    missing.add("shard " + s.getShardId() + ": sync-set member " + m + " has no replica file");
                } else {
                    members.add(c);
                }
            }
            StringBuilder line = new StringBuilder("shard " + s.getShardId() + " epoch " + s.getEpoch() + " primary "
                    + s.getPrimary() + " sync set " + s.getSyncSetList() + ":");
            for (Copy c : copies.values()) {
                line.append(' ').append(c.nodeId()).append("[lsn ").append(c.positions().lastLsn()).append(" epoch ")
                        .append(c.positions().lastEpoch()).append(", ").append(c.rows().size()).append(" rows")
                        .append(s.getSyncSetList().contains(c.nodeId()) ? "" : ", NOT in sync set").append(']');
            }
            report.note(line.toString());
            if (members.isEmpty()) {
                continue;
            }
            Copy first = members.get(0);
            for (Copy other : members.subList(1, members.size())) {
                diverged.addAll(compare(first, other));
            }
            for (Map.Entry<Long, List<Object>> row : first.rows().entrySet()) {
                Long before = shardOfKey.put(row.getKey(), s.getShardId());
                if (before != null) {
                    keyInTwoShards.add("id " + row.getKey() + " in shard " + before + " and shard " + s.getShardId());
                }
                rows.add(toRow(row.getValue()));
            }
        }
        report.check("replica files: every sync-set member has its replica file", missing);
        report.check("replica files: the sync-set members of each shard hold the same rows at the same lsn", diverged);
        report.check("replica files: no key is stored in two shards", keyInTwoShards);
        return rows;
    }

    private static List<String> compare(Copy a, Copy b) {
        List<String> out = new ArrayList<>();
        String where = "shard " + a.shardId() + " " + a.nodeId() + " vs " + b.nodeId() + ": ";
        if (a.positions().lastLsn() != b.positions().lastLsn() || a.positions().lastEpoch() != b.positions().lastEpoch()) {
            out.add(where + "last lsn/epoch " + a.positions().lastLsn() + "/" + a.positions().lastEpoch() + " vs "
                    + b.positions().lastLsn() + "/" + b.positions().lastEpoch());
        }
        int shown = 0;
        int onlyA = 0;
        int onlyB = 0;
        int differ = 0;
        for (Map.Entry<Long, List<Object>> e : a.rows().entrySet()) {
            List<Object> other = b.rows().get(e.getKey());
            if (other == null) {
                onlyA++;
                if (shown++ < 5) {
                    out.add(where + "id " + e.getKey() + " only on " + a.nodeId());
                }
            } else if (!Objects.equals(other, e.getValue())) {
                differ++;
                if (shown++ < 5) {
                    out.add(where + "id " + e.getKey() + " differs: " + e.getValue() + " vs " + other);
                }
            }
        }
        for (Long id : b.rows().keySet()) {
            if (!a.rows().containsKey(id)) {
                onlyB++;
                if (shown++ < 5) {
                    out.add(where + "id " + id + " only on " + b.nodeId());
                }
            }
        }
        if (onlyA + onlyB + differ > 0) {
            out.add(where + onlyA + " rows only on " + a.nodeId() + ", " + onlyB + " only on " + b.nodeId() + ", "
                    + differ + " differ (" + a.rows().size() + " vs " + b.rows().size() + " rows)");
        }
        return out;
    }

    private static Map<Long, List<Object>> rows(Replica r) {
        Map<Long, List<Object>> out = new HashMap<>();
        Iterator<Object[]> it = r.scan(Long.MAX_VALUE, KeyRange.ALL);
        while (it.hasNext()) {
            Object[] row = it.next();
            out.put(((Number) row[0]).longValue(), Arrays.asList(row));
        }
        return out;
    }

    private static RowAudit.Row toRow(List<Object> v) {
        return new RowAudit.Row(((Number) v.get(0)).longValue(), ((Number) v.get(1)).intValue(),
                ((Number) v.get(2)).longValue(), (String) v.get(3));
    }

    static void copyReplicaFiles(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        if (!Files.isDirectory(from)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from, "shard-*.mv.db")) {
            for (Path f : files) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
