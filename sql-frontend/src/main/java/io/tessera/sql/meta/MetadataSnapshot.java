package io.tessera.sql.meta;

import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.ViewDef;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One immutable, internally consistent view of a cluster's metadata, as {@link ClusterMetadata}
 * saw it at {@link #version()}. Plan a statement against one snapshot.
 *
 * @param version increases with every change the client sees
 * @param tables tables by name
 * @param views views by name
 * @param shards each table's shards by table id, ordered by ordinal
 * @param nodes live shard nodes by node id
 * @param leader the leading coordinator, if one is published
 */
public record MetadataSnapshot(
        long version,
        Map<String, TableSchema> tables,
        Map<String, ViewDef> views,
        Map<Long, List<ShardState>> shards,
        Map<String, NodeInfo> nodes,
        Optional<CoordinatorInfo> leader) {

    public MetadataSnapshot {
        tables = Map.copyOf(tables);
        views = Map.copyOf(views);
        shards = Map.copyOf(shards);
        nodes = Map.copyOf(nodes);
    }

    static MetadataSnapshot empty() {
        return new MetadataSnapshot(0, Map.of(), Map.of(), Map.of(), Map.of(), Optional.empty());
    }

    public Optional<TableSchema> table(String name) {
        return Optional.ofNullable(tables.get(name));
    }

    /** The shards of a table ordered by ordinal; empty for an unknown table. */
    public List<ShardState> shards(long tableId) {
        return shards.getOrDefault(tableId, List.of());
    }

    /** {@code host:port} of a live node, if it is live. */
    public Optional<String> nodeAddress(String nodeId) {
        NodeInfo n = nodes.get(nodeId);
        return n == null ? Optional.empty() : Optional.of(n.getAddress());
    }
}
