package io.tessera.node;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tessera.node.storage.Durability;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Fragment;
import io.tessera.protocol.proto.GetRequest;
import io.tessera.protocol.proto.GetResponse;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.OpenReplicaRequest;
import io.tessera.protocol.proto.RowBatch;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.Value;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A started shard node with a client channel, and the test table
 * ITEMS(ID BIGINT PK, NAME VARCHAR NOT NULL, QTY INTEGER, PRICE DECIMAL(10,2), EMAIL VARCHAR)
 * with a unique index EMAIL_UQ (id 1) on EMAIL and an index QTY_IDX (id 2) on QTY.
 */
public final class NodeFixture implements AutoCloseable {
    public static final long SHARD = 7;
    public static final long EPOCH = 3;
    public static final ColumnType[] TYPES = {
        ColumnType.BIGINT, ColumnType.VARCHAR, ColumnType.INTEGER, ColumnType.DECIMAL, ColumnType.VARCHAR};
    public static final RowCodec ROWS = new RowCodec(TYPES);
    public static final RowCodec KEYS = new RowCodec(new ColumnType[] {ColumnType.BIGINT});

    public final ShardNode node;
    public final ManagedChannel channel;
    public final ShardServiceGrpc.ShardServiceBlockingStub stub;
    private final String clientId = "test-" + java.util.UUID.randomUUID(); // like a frontend process
    private final java.util.concurrent.atomic.AtomicLong seq = new java.util.concurrent.atomic.AtomicLong(); // writers share the fixture

    public NodeFixture(ShardNodeConfig config) throws Exception {
        node = new ShardNode(config).start();
        channel = ManagedChannelBuilder.forTarget(node.address()).usePlaintext().build();
        stub = ShardServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    public static NodeFixture persistent(Path dir) throws Exception {
        return new NodeFixture(ShardNodeConfig.persistent(dir).withNodeId("n1"));
    }

    public static NodeFixture inMemory() throws Exception {
        return new NodeFixture(ShardNodeConfig.inMemory().withNodeId("n1").withDurability(Durability.MEMORY));
    }

    public ShardServiceGrpc.ShardServiceBlockingStub stub() {
        return ShardServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    public static ColumnDef col(String name, ColumnType t, boolean nullable) {
        return ColumnDef.newBuilder().setName(name).setType(t).setNullable(nullable).build();
    }

    public static TableSchema itemsSchema(long version, IndexDef... indexes) {
        return TableSchema.newBuilder().setTableId(42).setName("ITEMS").setVersion(version)
                .addColumns(col("ID", ColumnType.BIGINT, false))
                .addColumns(col("NAME", ColumnType.VARCHAR, false))
                .addColumns(col("QTY", ColumnType.INTEGER, true))
                .addColumns(ColumnDef.newBuilder().setName("PRICE").setType(ColumnType.DECIMAL).setPrecision(10)
                        .setScale(2).setNullable(true))
                .addColumns(col("EMAIL", ColumnType.VARCHAR, true))
                .addPrimaryKey(0)
                .addAllIndexes(Arrays.asList(indexes))
                .build();
    }

    public static final IndexDef EMAIL_UQ = IndexDef.newBuilder().setIndexId(1).setName("EMAIL_UQ").addColumns(4)
            .setUnique(true).build();
    public static final IndexDef QTY_IDX = IndexDef.newBuilder().setIndexId(2).setName("QTY_IDX").addColumns(2).build();

    public static TableSchema defaultSchema() {
        return itemsSchema(1, EMAIL_UQ, QTY_IDX);
    }

    public static ShardState state(long shard, long epoch, String primary) {
        return ShardState.newBuilder().setShardId(shard).setTableId(42).setEpoch(epoch).setPrimary(primary)
                .addReplicas(primary).addSyncSet(primary).build();
    }

    public AdminResponse open(TableSchema schema) {
        return stub().openReplica(OpenReplicaRequest.newBuilder().setShard(state(SHARD, EPOCH, node.nodeId()))
                .setTable(schema).build());
    }

    public static Object[] item(long id, String name, Integer qty, String price, String email) {
        return new Object[] {id, name, qty, price == null ? null : new BigDecimal(price), email};
    }

    public static Mutation mutation(Mutation.Kind kind, Object[] row) {
        return Mutation.newBuilder().setKind(kind).setRow(ByteString.copyFrom(ROWS.encode(row))).build();
    }

    public static Mutation insert(Object[] row) {
        return mutation(Mutation.Kind.INSERT, row);
    }

    public static Mutation delete(long id) {
        return Mutation.newBuilder().setKind(Mutation.Kind.DELETE)
                .setRow(ByteString.copyFrom(KEYS.encode(new Object[] {id}))).build();
    }

    public WriteResponse write(long commitTs, Mutation... mutations) {
        return write(commitTs, 1, mutations);
    }

    public WriteResponse write(long commitTs, long schemaVersion, Mutation... mutations) {
        return stub().write(WriteRequest.newBuilder().setShard(ref()).setCommitTs(commitTs)
                .setSchemaVersion(schemaVersion).addAllMutations(Arrays.asList(mutations))
                .setClientId(clientId).setSeq(seq.incrementAndGet()).build());
    }

    public static ShardRef ref() {
        return ShardRef.newBuilder().setShardId(SHARD).setEpoch(EPOCH).build();
    }

    /** Point get of one id at readTs; null when not found. */
    public Object[] get(long id, long readTs) {
        GetResponse r = stub().get(GetRequest.newBuilder().setShard(ref()).setReadTs(readTs)
                .addKeys(ByteString.copyFrom(KEYS.encode(new Object[] {id}))).build());
        if (r.hasError()) {
            throw new AssertionError("get failed: " + r.getError());
        }
        return r.getFound(0) ? ROWS.decode(r.getRows(0).toByteArray()) : null;
    }

    /** The result of a scan: decoded rows, the number of batches, and the error if any. */
    public record ScanResult(List<Object[]> rows, int batches, Error error) {
        public List<Long> ids() {
            List<Long> ids = new ArrayList<>();
            for (Object[] r : rows) {
                ids.add(((Number) r[0]).longValue());
            }
            return ids;
        }
    }

    public ScanResult scan(ScanRequest req, ColumnType[] outputTypes) {
        RowCodec codec = new RowCodec(outputTypes);
        Iterator<RowBatch> it = stub().scan(req);
        List<Object[]> rows = new ArrayList<>();
        int batches = 0;
        Error error = null;
        boolean sawLast = false;
        while (it.hasNext()) {
            RowBatch b = it.next();
            batches++;
            if (b.hasError()) {
                error = b.getError();
            }
            for (ByteString r : b.getRowsList()) {
                rows.add(codec.decode(r.toByteArray()));
            }
            if (b.getLast()) {
                sawLast = true;
            }
        }
        if (!sawLast) {
            throw new AssertionError("stream ended without a last batch");
        }
        return new ScanResult(rows, batches, error);
    }

    public static ScanRequest.Builder scanRequest(long readTs) {
        return ScanRequest.newBuilder().setShard(ref()).setReadTs(readTs);
    }

    public ScanResult scanAll(long readTs) {
        return scan(scanRequest(readTs).build(), TYPES);
    }

    public static Fragment.Builder fragment() {
        return Fragment.newBuilder();
    }

    // Expression builders ------------------------------------------------------------------------

    public static Expr column(int i) {
        return Expr.newBuilder().setColumn(i).build();
    }

    public static Expr lit(ColumnType t, Object v) {
        return Expr.newBuilder().setLiteral(Values.toProto(t, v)).setType(t).build();
    }

    public static Expr nullLit() {
        return Expr.newBuilder().setLiteral(Value.getDefaultInstance()).build();
    }

    public static Expr call(io.tessera.protocol.proto.Op op, ColumnType type, Expr... operands) {
        return Expr.newBuilder().setCall(io.tessera.protocol.proto.Call.newBuilder().setOp(op)
                .addAllOperands(Arrays.asList(operands))).setType(type).build();
    }

    public static Expr call(io.tessera.protocol.proto.Op op, Expr... operands) {
        return call(op, ColumnType.COLUMN_TYPE_UNSPECIFIED, operands);
    }

    @Override
    public void close() throws Exception {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        node.close();
    }
}
