package io.tessera.node.rpc;

import com.google.protobuf.ByteString;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tessera.node.ShardException;
import io.tessera.node.exec.FragmentPlan;
import io.tessera.node.replication.Replication;
import io.tessera.node.storage.KeyRange;
import io.tessera.node.storage.ReadView;
import io.tessera.node.storage.Replica;
import io.tessera.node.storage.ReplicaSet;
import io.tessera.node.storage.TableLayout;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.AdminResponse;
import io.tessera.protocol.proto.CheckTxnStatusRequest;
import io.tessera.protocol.proto.CollectGarbageRequest;
import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.ScanLocksRequest;
import io.tessera.protocol.proto.ScanLocksResponse;
import io.tessera.protocol.proto.CheckTxnStatusResponse;
import io.tessera.protocol.proto.CommitTxnRequest;
import io.tessera.protocol.proto.PrewriteRequest;
import io.tessera.protocol.proto.RollbackTxnRequest;
import io.tessera.protocol.proto.TxnHeartbeatRequest;
import io.tessera.protocol.proto.TxnResponse;
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
import java.util.ArrayList;
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
    /** Most locks one ScanLocks answers (the coordinator resolves them and asks again). */
    private static final int MAX_SCAN_LOCKS = 1_000;

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
            replication.awaitOnePhaseWrites(r);
            checkSchemaVersion(r, req.getSchemaVersion());
            // commit_ts 0: the primary chooses (docs/transactions.md "One-phase writes")
            Replica.WriteOutcome out = r.writeAt(req.getCommitTs(), req.getReadTs(), req.getMutationsList(),
                    req.getClientId(), req.getSeq());
            return WriteResponse.newBuilder().setApplied(out.applied()).setCommitTs(out.commitTs()).build();
        }, e -> WriteResponse.newBuilder().setError(e).build());
    }

    private static void checkSchemaVersion(Replica r, long used) {
        long version = r.layout().version();
        if (used != version) {
            throw new ShardException(Error.Code.SCHEMA_MISMATCH, null, "shard " + r.shardId() + " table "
                    + r.layout().tableName() + " is at schema version " + version + ", the request used " + used);
        }
    }

    @Override
    public void get(GetRequest req, StreamObserver<GetResponse> obs) {
        String ctx = context("get", req.getShard());
        unary(obs, ctx, () -> {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), false);
            long readTs = r.awaitReadable(req.getReadTs(), req.getReadTsRangeEnd());
            admitRead(r, req.getReadTs(), readTs);
            ReadView view = r.readView(readTs, req.hasTxn() ? req.getTxn() : null);
            TableLayout l = r.layout();
            FragmentPlan plan = req.getProjectionsCount() == 0 ? null
                    : FragmentPlan.compile(null, req.getProjectionsList(), List.of(), 0, l.columnTypes());
            List<byte[]> pks = new ArrayList<>(req.getKeysCount());
            for (ByteString key : req.getKeysList()) {
                Object[] keyValues;
                try {
                    keyValues = l.pkCodec().decode(key.toByteArray());
                } catch (RuntimeException e) {
                    throw ShardException.badRequest("22000", "malformed key tuple: " + e);
                }
                pks.add(l.pkOfKey(keyValues));
            }
            view.checkKeys(pks);
            // resolved: a later write can check it, a frontend read every shard at it (with its range's end)
            GetResponse.Builder b = GetResponse.newBuilder().setReadTs(readTs).setReadTsRangeEnd(r.rangeEndOf(readTs));
            for (byte[] pk : pks) {
                byte[] row = null;
                if (plan == null) {
                    row = view.rowBytes(pk);
                } else {
                    Object[] decoded = view.row(pk);
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
        long readTs;
        try {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), false);
            readTs = r.awaitReadable(req.getReadTs(), req.getReadTsRangeEnd());
            admitRead(r, req.getReadTs(), readTs);
            ReadView view = r.readView(readTs, req.hasTxn() ? req.getTxn() : null);
            TableLayout l = r.layout();
            // A primary-key scan yields rows in key order: a sort by a key prefix need not sort.
            plan = FragmentPlan.compile(req.getFragment(), l.columnTypes(), req.getIndexId() == 0 ? l.pkColumns() : null);
            Iterator<Object[]> rows;
            if (req.getIndexId() == 0) {
                rows = view.scan(range(l.pkTypes(), req));
            } else {
                TableLayout.Index idx = l.index(req.getIndexId());
                if (idx == null) {
                    throw ShardException.badRequest("42704", "table " + l.tableName() + " has no index with id "
                            + req.getIndexId());
                }
                rows = view.scanIndex(req.getIndexId(), range(idx.types(), req));
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
        new ScanStream(call, output, plan.outputCodec(), req.getBatchRows(), readTs, ctx).start();
    }

    /**
     * SNAPSHOT_TOO_OLD below the replica's GC safe point; otherwise the read counts as in progress
     * (version collection keeps what it reads) until the call ends: gRPC cancels the call's context
     * when the call completes, fails or is cancelled.
     */
    private static void admitRead(Replica r, long requestedTs, long resolvedTs) {
        Runnable end = r.gcHorizon().admitRead(requestedTs, resolvedTs);
        Context.current().addListener(c -> end.run(), MoreExecutors.directExecutor());
    }

    // ------------------------------------------------------------------------------ transactions

    @Override
    public void prewrite(PrewriteRequest req, StreamObserver<TxnResponse> obs) {
        String ctx = context("prewrite", req.getShard()) + " start_ts=" + req.getStartTs();
        txnUnary(obs, ctx, () -> {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), true);
            checkSchemaVersion(r, req.getSchemaVersion());
            long applied = r.transactions().prewrite(req);
            // after the locks are in place: see Replica.commitFloor
            long floor = replication.commitFloor(r);
            return TxnResponse.newBuilder().setApplied(applied).setMinCommitTs(floor)
                    .setMinCommitTsRangeEnd(r.rangeEndOf(floor)).build();
        });
    }

    @Override
    public void commitTxn(CommitTxnRequest req, StreamObserver<TxnResponse> obs) {
        String ctx = context("commitTxn", req.getShard()) + " start_ts=" + req.getStartTs() + " commit_ts=" + req.getCommitTs();
        txnUnary(obs, ctx, () -> {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), true);
            long resolved = r.transactions().commit(req.getStartTs(), req.getCommitTs(), req.getPrimaryPk(),
                    req.getCommitTsRangeEnd());
            return TxnResponse.newBuilder().setApplied(resolved).build();
        });
    }

    @Override
    public void rollbackTxn(RollbackTxnRequest req, StreamObserver<TxnResponse> obs) {
        String ctx = context("rollbackTxn", req.getShard()) + " start_ts=" + req.getStartTs();
        txnUnary(obs, ctx, () -> {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), true);
            long resolved = r.transactions().rollback(req.getStartTs(), req.getPrimaryPk());
            return TxnResponse.newBuilder().setApplied(resolved).build();
        });
    }

    @Override
    public void checkTxnStatus(CheckTxnStatusRequest req, StreamObserver<CheckTxnStatusResponse> obs) {
        String ctx = context("checkTxnStatus", req.getShard()) + " start_ts=" + req.getStartTs() + " caller_ts="
                + req.getCallerTs();
        unary(obs, ctx, () -> {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), true);
            return r.transactions().checkStatus(req.getPrimaryPk(), req.getStartTs(), req.getCallerTs());
        }, e -> CheckTxnStatusResponse.newBuilder().setError(e).build());
    }

    @Override
    public void txnHeartbeat(TxnHeartbeatRequest req, StreamObserver<TxnResponse> obs) {
        String ctx = context("txnHeartbeat", req.getShard()) + " start_ts=" + req.getStartTs();
        txnUnary(obs, ctx, () -> {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), true);
            r.transactions().heartbeat(req.getPrimaryPk(), req.getStartTs(), req.getTtlMs());
            return TxnResponse.getDefaultInstance();
        });
    }

    @Override
    public void scanLocks(ScanLocksRequest req, StreamObserver<ScanLocksResponse> obs) {
        String ctx = context("scanLocks", req.getShard()) + " max_start_ts=" + req.getMaxStartTs();
        unary(obs, ctx, () -> {
            Replica r = replicas.require(req.getShard().getShardId());
            checkRoute(r, req.getShard(), true);
            int limit = req.getLimit() > 0 ? Math.min(req.getLimit(), MAX_SCAN_LOCKS) : MAX_SCAN_LOCKS;
            List<Lock> locks = r.transactions().locksBelow(req.getMaxStartTs(), limit + 1);
            boolean more = locks.size() > limit;
            return ScanLocksResponse.newBuilder().addAllLocks(more ? locks.subList(0, limit) : locks).setMore(more).build();
        }, e -> ScanLocksResponse.newBuilder().setError(e).build());
    }

    /** As {@link #unary}, also answering COMMIT_TS_TOO_OLD's min_commit_ts. */
    private static void txnUnary(StreamObserver<TxnResponse> obs, String ctx, Supplier<TxnResponse> body) {
        unary(obs, ctx, () -> {
            try {
                return body.get();
            } catch (ShardException e) {
                if (e.code() != Error.Code.COMMIT_TS_TOO_OLD) {
                    throw e;
                }
                log.debug("{}: {}", ctx, e.getMessage());
                return TxnResponse.newBuilder().setError(e.toError()).setMinCommitTs(e.minCommitTs()).build();
            }
        }, e -> TxnResponse.newBuilder().setError(e).build());
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
    public void collectGarbage(CollectGarbageRequest req, StreamObserver<AdminResponse> obs) {
        String ctx = "collectGarbage node=" + nodeId + " shard=" + req.getShardId() + " safe_point=" + req.getSafePoint()
                + " txn_records_below=" + req.getTxnRecordsBelow();
        unary(obs, ctx, () -> {
            replicas.collectGarbage(req.getShardId(), req.getSafePoint(), req.getTxnRecordsBelow());
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
