package io.tessera.coordinator.catalog;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.leader.NotLeaderException;
import io.tessera.coordinator.membership.Membership;
import io.tessera.coordinator.nodeadmin.ShardNodeAdmin;
import io.tessera.coordinator.placement.Placement;
import io.tessera.coordinator.placement.PlacementException;
import io.tessera.coordinator.shardmap.ShardStateStore;
import io.tessera.coordinator.shardmap.VersionedShard;
import io.tessera.coordinator.zk.ZkNodes;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.meta.ShardHash;
import io.tessera.protocol.meta.ZkPaths;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.CreateIndexRequest;
import io.tessera.protocol.proto.CreateTableRequest;
import io.tessera.protocol.proto.CreateViewRequest;
import io.tessera.protocol.proto.DropIndexRequest;
import io.tessera.protocol.proto.DropReplicaRequest;
import io.tessera.protocol.proto.DropTableRequest;
import io.tessera.protocol.proto.DropViewRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.NodeInfo;
import io.tessera.protocol.proto.OpenReplicaRequest;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.ShardStrategy;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.UpdateSchemaRequest;
import io.tessera.protocol.proto.ViewDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DDL on the leading coordinator: tables (with their shards), indexes and views. Statements run
 * one at a time; they read ZooKeeper directly (never a cache), prepare the shard nodes over gRPC,
 * and publish with one fenced multi-op, so a statement is visible all at once or not at all, and
 * a deposed leader cannot publish.
 *
 * <p>Every method may throw {@link DdlException} (the user's error, returned in the response),
 * {@link NotLeaderException} (answered with NOT_PRIMARY) or an unexpected exception.
 */
public final class Catalog {
    private static final Logger log = LoggerFactory.getLogger(Catalog.class);
    private static final long ZK_TIMEOUT_MS = 10_000;
    private static final int MAX_SHARDS = 4096;

    private final CuratorFramework client;
    private final Membership membership;
    private final ShardStateStore shards;
    private final ShardNodeAdmin nodes;
    private final IdAllocator ids;
    private final int defaultReplicationFactor;

    public Catalog(CuratorFramework client, Membership membership, ShardNodeAdmin nodes, int defaultReplicationFactor) {
        this.client = client;
        this.membership = membership;
        this.shards = new ShardStateStore(client);
        this.nodes = nodes;
        this.ids = new IdAllocator(client);
        this.defaultReplicationFactor = defaultReplicationFactor;
    }

    /** Creates the catalog's parent znodes; multi-ops cannot create parents. */
    public void ensureLayout() throws Exception {
        for (String path : List.of(ZkPaths.TABLES, ZkPaths.VIEWS, ZkPaths.SHARDS, ZkPaths.IDS)) {
            ZkNodes.ensurePersistent(client, path);
        }
    }

    // ---------------------------------------------------------------------------------------- tables

    /** Returns the table as stored (the existing one when {@code if_not_exists} and it exists). */
    public synchronized TableSchema createTable(Fence fence, CreateTableRequest request) throws Exception {
        TableSchema asked = request.getTable();
        String name = asked.getName();
        checkName("table", name);
        sync();
        Optional<Versioned<TableSchema>> existing = readTable(name);
        if (existing.isPresent()) {
            if (request.getIfNotExists()) {
                return existing.get().value();
            }
            throw DdlException.tableExists(name);
        }
        if (readView(name).isPresent()) {
            throw DdlException.bad("42S01", "a view named '" + name + "' already exists");
        }
        List<TableSchema> tables = readAllTables();
        Map<String, NodeInfo> live = membership.readLiveNodes();

        int shardCount = asked.getShardCount() > 0 ? asked.getShardCount() : Math.max(1, live.size());
        int replication = replicationFactor(asked.getReplicationFactor(), defaultReplicationFactor, live.size());
        TableSchema.Builder table = validateNewTable(asked, shardCount, tables);
        List<List<String>> placement;
        try {
            placement = Placement.place(shardCount, replication, live.keySet(), shards.replicasPerNode());
        } catch (PlacementException e) {
            throw new DdlException(ShardErrors.of(Error.Code.INTERNAL, "53000",
                    "cannot place table '" + name + "': " + e.getMessage()));
        }

        long tableId = ids.allocate(fence, IdAllocator.TABLE, 1);
        long firstShard = ids.allocate(fence, IdAllocator.SHARD, shardCount);
        TableSchema schema = table.setTableId(tableId).setVersion(1).setShardCount(shardCount)
                .setReplicationFactor(replication).build();
        List<ShardState> states = new ArrayList<>(shardCount);
        for (int i = 0; i < shardCount; i++) {
            List<String> replicas = placement.get(i);
            states.add(ShardState.newBuilder()
                    .setShardId(firstShard + i).setTableId(tableId).setEpoch(1)
                    .setPrimary(replicas.get(0)).addAllReplicas(replicas).addAllSyncSet(replicas)
                    .setHashLo(ShardHash.rangeStart(i, shardCount)).setHashHi(ShardHash.rangeEnd(i, shardCount))
                    .setOrdinal(i).build());
        }

        List<Call> calls = new ArrayList<>();
        for (ShardState s : states) {
            OpenReplicaRequest open = OpenReplicaRequest.newBuilder().setShard(s).setTable(schema).build();
            for (String node : s.getReplicasList()) {
                String address = live.get(node).getAddress();
                calls.add(new Call(node, address, s.getShardId(), nodes.openReplica(address, open)));
            }
        }
        List<Failure> failures = awaitAll(calls);
        if (!failures.isEmpty()) {
            dropOpened(calls, failures, name);
            Failure f = failures.get(0);
            throw DdlException.nodeFailure("CREATE TABLE " + name + " failed: node " + f.call().node() + " ("
                    + f.call().address() + ") could not open shard " + f.call().shardId() + ": "
                    + f.error().getMessage() + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more)" : ""));
        }

        List<CuratorOp> ops = new ArrayList<>();
        ops.add(fence.op().create().forPath(ZkPaths.table(name), schema.toByteArray()));
        for (ShardState s : states) {
            ops.addAll(ShardStateStore.createOps(fence.op(), s));
        }
        try {
            fence.commit(ops);
        } catch (NotLeaderException | KeeperException e) {
            dropOpened(calls, List.of(), name);
            if (e instanceof KeeperException.NodeExistsException) {
                throw DdlException.tableExists(name);
            }
            throw e;
        }
        log.info("Created table {} (id {}, {} shards {}..{}, replication {}) at coordinator epoch {}; placement {}",
                name, tableId, shardCount, firstShard, firstShard + shardCount - 1, replication, fence.epoch(), placement);
        return schema;
    }

    /**
     * The replication factor of a new table: the one it asks for, or when it asks for 0 ("the cluster's default",
     * what a CREATE TABLE without REPLICAS sends) the configured default capped by the live nodes (at least 1), so
     * that a cluster with fewer nodes than its default still creates tables. An explicit factor is not capped: more
     * replicas than live nodes fails placement.
     */
    static int replicationFactor(int asked, int configuredDefault, int liveNodes) {
        if (asked > 0) {
            return asked;
        }
        return Math.max(1, Math.min(configuredDefault, liveNodes));
    }

    /** Returns the dropped table, or empty when it did not exist and {@code if_exists}. */
    public synchronized Optional<TableSchema> dropTable(Fence fence, DropTableRequest request) throws Exception {
        String name = request.getName();
        checkName("table", name);
        sync();
        Optional<Versioned<TableSchema>> existing = readTable(name);
        if (existing.isEmpty()) {
            if (request.getIfExists()) {
                return Optional.empty();
            }
            throw DdlException.tableNotFound(name);
        }
        TableSchema table = existing.get().value();
        List<VersionedShard> tableShards = shards.readTable(table.getTableId());
        List<CuratorOp> ops = new ArrayList<>();
        ops.add(fence.op().delete().withVersion(existing.get().version()).forPath(ZkPaths.table(name)));
        for (VersionedShard s : tableShards) {
            ops.addAll(ShardStateStore.deleteOps(fence.op(), s));
        }
        fence.commit(ops);
        log.info("Dropped table {} (id {}, shards {}) at coordinator epoch {}", name, table.getTableId(),
                tableShards.stream().map(s -> s.state().getShardId()).toList(), fence.epoch());

        // The table is gone for everyone; removing the replicas' data is best effort.
        Map<String, NodeInfo> live = membership.readLiveNodes();
        List<Call> calls = new ArrayList<>();
        for (VersionedShard s : tableShards) {
            for (String node : s.state().getReplicasList()) {
                NodeInfo info = live.get(node);
                if (info == null) {
                    log.warn("Shard {} of dropped table {}: node {} is not live; its replica stays on disk",
                            s.state().getShardId(), name, node);
                    continue;
                }
                DropReplicaRequest drop = DropReplicaRequest.newBuilder().setShardId(s.state().getShardId()).build();
                calls.add(new Call(node, info.getAddress(), s.state().getShardId(), nodes.dropReplica(info.getAddress(), drop)));
            }
        }
        for (Failure f : awaitAll(calls)) {
            log.warn("Shard {} of dropped table {}: node {} ({}) did not drop its replica: {}",
                    f.call().shardId(), name, f.call().node(), f.call().address(), f.error().getMessage());
        }
        return Optional.of(table);
    }

    // --------------------------------------------------------------------------------------- indexes

    /** Returns the table with its new index (unchanged when the index exists and {@code if_not_exists}). */
    public synchronized TableSchema createIndex(Fence fence, CreateIndexRequest request) throws Exception {
        IndexDef asked = request.getIndex();
        checkName("index", asked.getName());
        sync();
        Versioned<TableSchema> current = readTable(request.getTable())
                .orElseThrow(() -> DdlException.tableNotFound(request.getTable()));
        TableSchema table = current.value();
        for (TableSchema t : readAllTables()) {
            for (IndexDef idx : t.getIndexesList()) {
                if (idx.getName().equals(asked.getName())) {
                    if (request.getIfNotExists()) {
                        return table.getName().equals(t.getName()) ? table : t;
                    }
                    throw DdlException.indexExists(asked.getName(), t.getName());
                }
            }
        }
        checkIndexColumns(asked, table.getColumnsCount());
        int indexId = table.getIndexesList().stream().mapToInt(IndexDef::getIndexId).max().orElse(0) + 1;
        TableSchema next = table.toBuilder()
                .addIndexes(asked.toBuilder().setIndexId(indexId))
                .setVersion(table.getVersion() + 1).build();

        installSchema(table, next, "CREATE INDEX " + asked.getName());
        publishSchema(fence, current, next);
        log.info("Created index {} (id {}) on table {} (schema version {}) at coordinator epoch {}",
                asked.getName(), indexId, table.getName(), next.getVersion(), fence.epoch());
        return next;
    }

    /** Returns the table without the index, or empty when it did not exist and {@code if_exists}. */
    public synchronized Optional<TableSchema> dropIndex(Fence fence, DropIndexRequest request) throws Exception {
        String name = request.getName();
        checkName("index", name);
        sync();
        for (TableSchema t : readAllTables()) {
            for (int i = 0; i < t.getIndexesCount(); i++) {
                if (t.getIndexes(i).getName().equals(name)) {
                    Versioned<TableSchema> current = readTable(t.getName())
                            .orElseThrow(() -> DdlException.indexNotFound(name));
                    TableSchema table = current.value();
                    TableSchema next = table.toBuilder().removeIndexes(i).setVersion(table.getVersion() + 1).build();
                    installSchema(table, next, "DROP INDEX " + name);
                    publishSchema(fence, current, next);
                    log.info("Dropped index {} of table {} (schema version {}) at coordinator epoch {}",
                            name, table.getName(), next.getVersion(), fence.epoch());
                    return Optional.of(next);
                }
            }
        }
        if (request.getIfExists()) {
            return Optional.empty();
        }
        throw DdlException.indexNotFound(name);
    }

    /**
     * Sends {@code next} to every replica of the table. On any refusal the replicas that accepted
     * are sent {@code previous} back (best effort) and the refusal is thrown; a unique index that
     * meets duplicate rows comes back as DUPLICATE_KEY and is returned as such.
     */
    private void installSchema(TableSchema previous, TableSchema next, String statement) throws Exception {
        Map<String, NodeInfo> live = membership.readLiveNodes();
        List<Call> calls = new ArrayList<>();
        List<DdlException> missing = new ArrayList<>();
        for (VersionedShard s : shards.readTable(previous.getTableId())) {
            long shardId = s.state().getShardId();
            UpdateSchemaRequest update = UpdateSchemaRequest.newBuilder().setShardId(shardId).setTable(next).build();
            for (String node : s.state().getReplicasList()) {
                NodeInfo info = live.get(node);
                if (info == null) {
                    missing.add(DdlException.nodeFailure(statement + " failed: node " + node + " holding shard "
                            + shardId + " of table " + previous.getName() + " is not live"));
                    continue;
                }
                calls.add(new Call(node, info.getAddress(), shardId, nodes.updateSchema(info.getAddress(), update)));
            }
        }
        if (!missing.isEmpty()) {
            // Nothing was sent yet to the nodes we skipped; undo the others.
            revertSchema(calls, awaitAll(calls), previous);
            throw missing.get(0);
        }
        List<Failure> failures = awaitAll(calls);
        if (failures.isEmpty()) {
            return;
        }
        revertSchema(calls, failures, previous);
        Failure f = failures.stream().filter(x -> x.error().getCode() == Error.Code.DUPLICATE_KEY).findFirst()
                .orElse(failures.get(0));
        String context = statement + " failed on shard " + f.call().shardId() + " of table " + previous.getName()
                + " (node " + f.call().node() + "): " + f.error().getMessage();
        if (f.error().getCode() == Error.Code.DUPLICATE_KEY || f.error().getCode() == Error.Code.CONSTRAINT) {
            throw new DdlException(f.error().toBuilder().setSqlState(ShardErrors.sqlState(f.error()))
                    .setMessage(context).build());
        }
        throw DdlException.nodeFailure(context);
    }

    private void revertSchema(List<Call> calls, List<Failure> failures, TableSchema previous) {
        Set<Call> failed = new HashSet<>();
        failures.forEach(f -> failed.add(f.call()));
        List<Call> reverts = new ArrayList<>();
        for (Call c : calls) {
            if (!failed.contains(c)) {
                UpdateSchemaRequest back = UpdateSchemaRequest.newBuilder().setShardId(c.shardId()).setTable(previous).build();
                reverts.add(new Call(c.node(), c.address(), c.shardId(), nodes.updateSchema(c.address(), back)));
            }
        }
        for (Failure f : awaitAll(reverts)) {
            log.warn("Shard {} of table {}: node {} did not return to schema version {}: {}",
                    f.call().shardId(), previous.getName(), f.call().node(), previous.getVersion(), f.error().getMessage());
        }
    }

    private void publishSchema(Fence fence, Versioned<TableSchema> current, TableSchema next) throws Exception {
        try {
            fence.commit(fence.op().setData().withVersion(current.version())
                    .forPath(ZkPaths.table(next.getName()), next.toByteArray()));
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            // Only the leader writes tables and DDL is serial, so this means a bug or a lost term.
            throw new DdlException(ShardErrors.of(Error.Code.INTERNAL, "40001",
                    "table '" + next.getName() + "' changed concurrently; retry the statement"));
        }
    }

    // ----------------------------------------------------------------------------------------- views

    public synchronized void createView(Fence fence, CreateViewRequest request) throws Exception {
        ViewDef view = request.getView();
        checkName("view", view.getName());
        if (view.getSql().isBlank()) {
            throw DdlException.bad("42000", "view '" + view.getName() + "' has no query");
        }
        sync();
        if (readTable(view.getName()).isPresent()) {
            throw DdlException.bad("42S01", "a table named '" + view.getName() + "' already exists");
        }
        Optional<Versioned<ViewDef>> existing = readView(view.getName());
        if (existing.isPresent()) {
            if (!request.getOrReplace()) {
                throw DdlException.viewExists(view.getName());
            }
            fence.commit(fence.op().setData().withVersion(existing.get().version())
                    .forPath(ZkPaths.view(view.getName()), view.toByteArray()));
        } else {
            fence.commit(fence.op().create().forPath(ZkPaths.view(view.getName()), view.toByteArray()));
        }
        log.info("{} view {} at coordinator epoch {}", existing.isPresent() ? "Replaced" : "Created",
                view.getName(), fence.epoch());
    }

    /** Returns whether a view was dropped. */
    public synchronized boolean dropView(Fence fence, DropViewRequest request) throws Exception {
        checkName("view", request.getName());
        sync();
        Optional<Versioned<ViewDef>> existing = readView(request.getName());
        if (existing.isEmpty()) {
            if (request.getIfExists()) {
                return false;
            }
            throw DdlException.viewNotFound(request.getName());
        }
        fence.commit(fence.op().delete().withVersion(existing.get().version()).forPath(ZkPaths.view(request.getName())));
        log.info("Dropped view {} at coordinator epoch {}", request.getName(), fence.epoch());
        return true;
    }

    // ------------------------------------------------------------------------------------ validation

    private TableSchema.Builder validateNewTable(TableSchema t, int shardCount, List<TableSchema> tables)
            throws DdlException {
        String name = t.getName();
        int n = t.getColumnsCount();
        if (n == 0) {
            throw DdlException.bad("42000", "table '" + name + "' has no columns");
        }
        Set<String> columns = new HashSet<>();
        for (var c : t.getColumnsList()) {
            if (c.getName().isEmpty()) {
                throw DdlException.bad("42000", "table '" + name + "' has a column without a name");
            }
            if (!columns.add(c.getName())) {
                throw DdlException.bad("42S21", "table '" + name + "' declares column '" + c.getName() + "' twice");
            }
            if (c.getTypeValue() == 0) {
                throw DdlException.bad("42000", "column '" + c.getName() + "' of table '" + name + "' has no type");
            }
        }
        if (t.getPrimaryKeyCount() == 0) {
            throw DdlException.bad("42000", "table '" + name + "' has no primary key (the frontend adds a hidden row id)");
        }
        checkOrdinals(t.getPrimaryKeyList(), n, "primary key of table '" + name + "'");
        checkOrdinals(t.getShardKeyList(), n, "shard key of table '" + name + "'");
        if (shardCount > MAX_SHARDS) {
            throw DdlException.bad("42000", "table '" + name + "' asks for " + shardCount + " shards; at most "
                    + MAX_SHARDS + " are allowed");
        }
        if (t.getStrategy() == ShardStrategy.RANGE && shardCount > 1) {
            throw DdlException.bad("0A000", "table '" + name
                    + "': RANGE sharding starts with one shard (ranges are split later), not " + shardCount);
        }
        TableSchema.Builder b = t.toBuilder().clearIndexes();
        if (t.getShardKeyCount() == 0) {
            b.addAllShardKey(t.getPrimaryKeyList());
        }
        Set<String> indexNames = new HashSet<>();
        int indexId = 0;
        for (IndexDef idx : t.getIndexesList()) {
            checkName("index", idx.getName());
            if (!indexNames.add(idx.getName())) {
                throw DdlException.indexExists(idx.getName(), name);
            }
            for (TableSchema other : tables) {
                for (IndexDef o : other.getIndexesList()) {
                    if (o.getName().equals(idx.getName())) {
                        throw DdlException.indexExists(idx.getName(), other.getName());
                    }
                }
            }
            checkIndexColumns(idx, n);
            b.addIndexes(idx.toBuilder().setIndexId(++indexId));
        }
        return b;
    }

    private static void checkIndexColumns(IndexDef idx, int columnCount) throws DdlException {
        if (idx.getColumnsCount() == 0) {
            throw DdlException.bad("42000", "index '" + idx.getName() + "' has no columns");
        }
        checkOrdinals(idx.getColumnsList(), columnCount, "index '" + idx.getName() + "'");
    }

    private static void checkOrdinals(List<Integer> ordinals, int columnCount, String what) throws DdlException {
        Set<Integer> seen = new HashSet<>();
        for (int o : ordinals) {
            if (o < 0 || o >= columnCount) {
                throw DdlException.bad("42000", what + " names column ordinal " + o + " of " + columnCount);
            }
            if (!seen.add(o)) {
                throw DdlException.bad("42000", what + " names column ordinal " + o + " twice");
            }
        }
    }

    /** Names become znode names: they must not be empty or contain '/'. */
    private static void checkName(String kind, String name) throws DdlException {
        if (name == null || name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0
                || name.equals(".") || name.equals("..")) {
            throw DdlException.bad("42602", "invalid " + kind + " name '" + name + "'");
        }
    }

    // ---------------------------------------------------------------------------------------- reads

    private record Versioned<T>(T value, int version) {}

    private void sync() throws Exception {
        ZkNodes.sync(client, "/", ZK_TIMEOUT_MS);
    }

    private Optional<Versioned<TableSchema>> readTable(String name) throws Exception {
        return read(ZkPaths.table(name), TableSchema::parseFrom);
    }

    private Optional<Versioned<ViewDef>> readView(String name) throws Exception {
        return read(ZkPaths.view(name), ViewDef::parseFrom);
    }

    /** Every table by table id, read from ZooKeeper after a sync (not serialized with DDL). */
    public Map<Long, TableSchema> readTablesById() throws Exception {
        sync();
        Map<Long, TableSchema> byId = new HashMap<>();
        try {
            readAllTables().forEach(t -> byId.put(t.getTableId(), t));
        } catch (KeeperException.NoNodeException e) {
            // no table was ever created
        }
        return byId;
    }

    private List<TableSchema> readAllTables() throws Exception {
        List<TableSchema> tables = new ArrayList<>();
        for (String name : client.getChildren().forPath(ZkPaths.TABLES)) {
            readTable(name).ifPresent(v -> tables.add(v.value()));
        }
        return tables;
    }

    private interface Parser<T> {
        T parse(byte[] data) throws InvalidProtocolBufferException;
    }

    private <T> Optional<Versioned<T>> read(String path, Parser<T> parser) throws Exception {
        Stat stat = new Stat();
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(path);
            return Optional.of(new Versioned<>(parser.parse(data), stat.getVersion()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
    }

    // ----------------------------------------------------------------------------------- node calls

    private record Call(String node, String address, long shardId, ListenableFuture<AdminResponse> response) {}

    private record Failure(Call call, Error error) {}

    /** Waits for every call; returns those that failed, with the node's error or the RPC status. */
    private List<Failure> awaitAll(List<Call> calls) {
        List<Failure> failures = new ArrayList<>();
        long waitMs = nodes.deadline().toMillis() + 1_000; // the RPC deadline fires first
        for (Call c : calls) {
            Error error;
            try {
                AdminResponse r = c.response().get(waitMs, TimeUnit.MILLISECONDS);
                error = ShardErrors.isOk(r.getError()) ? null : r.getError();
            } catch (ExecutionException e) {
                Status s = Status.fromThrowable(e.getCause());
                error = ShardErrors.of(Error.Code.INTERNAL, "08006", s.getCode() + (s.getDescription() == null
                        ? "" : ": " + s.getDescription()));
            } catch (TimeoutException e) {
                c.response().cancel(true);
                error = ShardErrors.of(Error.Code.INTERNAL, "08006", "no answer within " + waitMs + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                error = ShardErrors.of(Error.Code.INTERNAL, "08006", "interrupted");
            }
            if (error != null) {
                failures.add(new Failure(c, error));
            }
        }
        return failures;
    }

    /** Drops the replicas a failed CREATE TABLE opened (best effort, logged). */
    private void dropOpened(List<Call> opened, List<Failure> failures, String table) {
        Set<Call> failed = new HashSet<>();
        failures.forEach(f -> failed.add(f.call()));
        List<Call> drops = new ArrayList<>();
        for (Call c : opened) {
            if (!failed.contains(c)) {
                drops.add(new Call(c.node(), c.address(), c.shardId(), nodes.dropReplica(c.address(),
                        DropReplicaRequest.newBuilder().setShardId(c.shardId()).build())));
            }
        }
        for (Failure f : awaitAll(drops)) {
            log.warn("CREATE TABLE {} rolled back: node {} ({}) did not drop shard {}: {}", table,
                    f.call().node(), f.call().address(), f.call().shardId(), f.error().getMessage());
        }
    }
}
