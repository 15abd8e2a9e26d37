package io.tessera.node.rpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tessera.node.ShardException;
import io.tessera.node.exec.FragmentPlan;
import io.tessera.node.replication.Replication;
import io.tessera.node.storage.KeyRange;
import io.tessera.node.storage.Replica;
import io.tessera.node.storage.ReplicaSet;
import io.tessera.node.storage.TableLayout;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.DropReplicaRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.GetRequest;
import io.tessera.protocol.proto.GetResponse;
import io.tessera.protocol.proto.KeyBound;
import io.tessera.protocol.proto.OpenReplicaRequest;
import io.tessera.protocol.proto.PingRequest;
import io.tessera.protocol.proto.PingResponse;
import io.tessera.protocol.proto.ReplicaStatusRequest;
import io.tessera.protocol.proto.ReplicaStatusResponse;
import io.tessera.protocol.proto.RowBatch;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.ShardServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.UpdateSchemaRequest;
import io.tessera.protocol.proto.WriteRequest;
import io.tessera.protocol.proto.WriteResponse;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shard node's gRPC service. Checks each data request's {@code (shard, epoch)} against the
 * replica, then hands it to storage (writes, point reads) or to a compiled fragment over a storage
 * scan. Every failure becomes the response's in-band {@link Error}; nothing escapes as a gRPC status
 * and no stream is left hanging.
 */
public final class ShardService extends ShardServiceGrpc.ShardServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(ShardService.class);

    private final String nodeId;
    private final ReplicaSet replicas;
    private final Replication replication;

    public ShardService(String nodeId, ReplicaSet replicas, Replication replication) {
        this.nodeId = nodeId;
        this.replicas = replicas;
        this.replication = replication;
    }

    // ------------------------------------------------------------------------------------- data

    @Override
    public void write(WriteRequest req, StreamObserver<WriteResponse> obs) {
        String ctx = context("write", req.getShard());
        unary(obs, ctx, () -> {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), true);
            long version = r.layout().version();
            if (req.getSchemaVersion() != version) {
                throw new ShardException(Error.Code.SCHEMA_MISMATCH, null, "shard " + r.shardId() + " table "
                        + r.layout().tableName() + " is at schema version " + version + ", the write used "
                        + req.getSchemaVersion());
            }
            long applied = r.write(req.getCommitTs(), req.getMutationsList(), req.getClientId(), req.getSeq());
            return WriteResponse.newBuilder().setApplied(applied).build();
        }, e -> WriteResponse.newBuilder().setError(e).build());
    }

    @Override
    public void get(GetRequest req, StreamObserver<GetResponse> obs) {
        String ctx = context("get", req.getShard());
        unary(obs, ctx, () -> {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), false);
            long readTs = r.awaitReadable(req.getReadTs());
            TableLayout l = r.layout();
            FragmentPlan plan = req.getProjectionsCount() == 0 ? null
                    : FragmentPlan.compile(null, req.getProjectionsList(), List.of(), 0, l.columnTypes());
            GetResponse.Builder b = GetResponse.newBuilder();
            for (ByteString key : req.getKeysList()) {
                Object[] keyValues;
                try {
                    keyValues = l.pkCodec().decode(key.toByteArray());
                } catch (RuntimeException e) {
                    throw ShardException.badRequest("22000", "malformed key tuple: " + e);
                }
                byte[] pk = l.pkOfKey(keyValues);
                byte[] row = null;
                if (plan == null) {
                    row = r.readRowBytes(pk, readTs);
                } else {
                    Object[] decoded = r.readRow(pk, readTs);
                    if (decoded != null) {
                        row = plan.outputCodec().encode(plan.project(decoded));
                    }
                }
                b.addFound(row != null);
                b.addRows(row == null ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(row));
            }
            return b.build();
        }, e -> GetResponse.newBuilder().setError(e).build());
    }

    @Override
    public void scan(ScanRequest req, StreamObserver<RowBatch> obs) {
        ServerCallStreamObserver<RowBatch> call = (ServerCallStreamObserver<RowBatch>) obs;
        String ctx = context("scan", req.getShard());
        Iterator<Object[]> output;
        FragmentPlan plan;
        try {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), false);
            long readTs = r.awaitReadable(req.getReadTs());
            TableLayout l = r.layout();
            plan = FragmentPlan.compile(req.getFragment(), l.columnTypes());
            Iterator<Object[]> rows;
            if (req.getIndexId() == 0) {
                rows = r.scan(readTs, range(l.pkTypes(), req));
            } else {
                TableLayout.Index idx = l.index(req.getIndexId());
                if (idx == null) {
                    throw ShardException.badRequest("42704", "table " + l.tableName() + " has no index with id "
                            + req.getIndexId());
                }
                rows = r.scanIndex(req.getIndexId(), readTs, range(idx.types(), req));
            }
            output = plan.execute(rows); // a sort consumes its input here
        } catch (ShardException e) {
            log.debug("{}: {}", ctx, e.getMessage());
            sendError(obs, e.toError());
            return;
        } catch (RuntimeException e) {
            log.error("{}: scan failed", ctx, e);
            sendError(obs, internal(ctx, e));
            return;
        }
        new ScanStream(call, output, plan.outputCodec(), req.getBatchRows(), ctx).start();
    }

    private static KeyRange range(ColumnType[] types, ScanRequest req) {
        try {
            return KeyRange.of(types, values(types, req.hasLower() ? req.getLower() : null), !req.hasLower() || req.getLower().getInclusive(),
                    values(types, req.hasUpper() ? req.getUpper() : null), !req.hasUpper() || req.getUpper().getInclusive());
        } catch (IllegalArgumentException | ClassCastException e) {
            throw ShardException.badRequest("22000", "bad key bound: " + e.getMessage());
        }
    }

    private static Object[] values(ColumnType[] types, KeyBound bound) {
        if (bound == null) {
            return null;
        }
        if (bound.getValuesCount() > types.length) {
            throw new IllegalArgumentException(bound.getValuesCount() + " values for a key of " + types.length + " columns");
        }
        Object[] out = new Object[bound.getValuesCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Values.fromProto(types[i], bound.getValues(i));
        }
        return out;
    }

    private static void sendError(StreamObserver<RowBatch> obs, Error error) {
        try {
            obs.onNext(RowBatch.newBuilder().setError(error).setLast(true).build());
            obs.onCompleted();
        } catch (RuntimeException e) {
            log.debug("could not send scan error: {}", e.toString());
        }
    }

    /**
     * STALE_EPOCH unless the sender's epoch is the replica's; NOT_PRIMARY on a replica that is not the
     * primary; NOT_SERVING (after a bounded wait) on a primary without its read lease (reads) or still
     * waiting out its predecessor's lease.
     */
    private void checkRoute(Replica r, ShardRef ref, boolean write) {
        ShardState s = r.state();
        if (ref.getEpoch() != s.getEpoch()) {
            throw new ShardException(Error.Code.STALE_EPOCH, null, "shard " + s.getShardId() + " is at epoch "
                    + s.getEpoch() + " on node " + nodeId + ", the request used epoch " + ref.getEpoch(), s);
        }
        replication.awaitServing(r, write);
    }

    // ------------------------------------------------------------------------------------ admin

    @Override
    public void openReplica(OpenReplicaRequest req, StreamObserver<AdminResponse> obs) {
        String ctx = "openReplica node=" + nodeId + " shard=" + req.getShard().getShardId() + " epoch="
                + req.getShard().getEpoch() + " table=" + req.getTable().getName();
        unary(obs, ctx, () -> {
            if (!req.hasShard() || !req.hasTable()) {
                throw ShardException.badRequest("22000", "OpenReplica needs the shard state and the table schema");
            }
            try {
                replicas.open(req.getShard(), req.getTable());
            } catch (IllegalArgumentException e) {
                throw ShardException.badRequest("42000", e.getMessage());
            }
            return AdminResponse.getDefaultInstance();
        }, e -> AdminResponse.newBuilder().setError(e).build());
    }

    @Override
    public void dropReplica(DropReplicaRequest req, StreamObserver<AdminResponse> obs) {
        String ctx = "dropReplica node=" + nodeId + " shard=" + req.getShardId();
        unary(obs, ctx, () -> {
            try {
                replicas.drop(req.getShardId());
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot delete the replica file", e);
            }
            return AdminResponse.getDefaultInstance();
        }, e -> AdminResponse.newBuilder().setError(e).build());
    }

    @Override
    public void updateSchema(UpdateSchemaRequest req, StreamObserver<AdminResponse> obs) {
        String ctx = "updateSchema node=" + nodeId + " shard=" + req.getShardId() + " table=" + req.getTable().getName()
                + " version=" + req.getTable().getVersion();
        unary(obs, ctx, () -> {
            Replica r = replicas.require(req.getShardId());
            try {
                r.updateSchema(req.getTable());
            } catch (IllegalArgumentException e) {
                throw ShardException.badRequest("42000", e.getMessage());
            }
            return AdminResponse.getDefaultInstance();
        }, e -> AdminResponse.newBuilder().setError(e).build());
    }

    @Override
    public void ping(PingRequest req, StreamObserver<PingResponse> obs) {
        unary(obs, "ping node=" + nodeId,
                () -> PingResponse.newBuilder().setNodeId(nodeId).addAllShardIds(replicas.shardIds()).build(),
                e -> PingResponse.newBuilder().setNodeId(nodeId).build());
    }

    @Override
    public void replicaStatus(ReplicaStatusRequest req, StreamObserver<ReplicaStatusResponse> obs) {
        unary(obs, "replicaStatus node=" + nodeId, () -> {
            ReplicaStatusResponse.Builder b = ReplicaStatusResponse.newBuilder().setNodeId(nodeId);
            for (long id : req.getShardIdsCount() == 0 ? replicas.shardIds() : req.getShardIdsList()) {
                Replica r = replicas.get(id);
                if (r != null) {
                    b.addReplicas(replication.status(r));
                }
            }
            return b.build();
        }, e -> ReplicaStatusResponse.newBuilder().setNodeId(nodeId).build());
    }

    // ---------------------------------------------------------------------------------- plumbing

    private String context(String what, ShardRef ref) {
        Replica r = replicas.get(ref.getShardId());
        return what + " node=" + nodeId + " shard=" + ref.getShardId() + " epoch=" + ref.getEpoch()
                + (r == null ? "" : " table=" + r.layout().tableName());
    }

    private static <T> void unary(StreamObserver<T> obs, String ctx, Supplier<T> body, Function<Error, T> onError) {
        T response;
        try {
            response = body.get();
        } catch (ShardException e) {
            log.debug("{}: {} {}", ctx, e.code(), e.getMessage());
            response = onError.apply(e.toError());
        } catch (RuntimeException | AssertionError e) {
            log.error("{}: failed", ctx, e);
            response = onError.apply(internal(ctx, e));
        }
        obs.onNext(response);
        obs.onCompleted();
    }

    static Error internal(String ctx, Throwable e) {
        return ShardErrors.of(Error.Code.INTERNAL, "XX000", ctx + ": " + e);
    }
}
