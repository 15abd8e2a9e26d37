package io.tessera.node;

import com.google.protobuf.ByteString;
import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.proto.CheckTxnStatusRequest;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.CommitTxnRequest;
import io.tessera.protocol.proto.GetRequest;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.proto.PrewriteRequest;
import io.tessera.protocol.proto.PrimaryKeyRef;
import io.tessera.protocol.proto.RollbackTxnRequest;
import io.tessera.protocol.proto.ShardRef;
import io.tessera.protocol.proto.TxnHeartbeatRequest;
import io.tessera.protocol.proto.TxnRead;
import java.util.Arrays;

/** Transaction requests against the ITEMS table of {@link NodeFixture} (primary keys are BIGINT ids). */
public final class TxnRequests {
    private static final ColumnType[] PK = {ColumnType.BIGINT};

    private TxnRequests() {}

    /** The KeyCodec tuple of id (what PrimaryKeyRef.pk and primary_pk carry). */
    public static ByteString pk(long id) {
        return ByteString.copyFrom(KeyCodec.encodeTuple(PK, new Object[] {id}));
    }

    public static ShardRef ref(long shard, long epoch) {
        return ShardRef.newBuilder().setShardId(shard).setEpoch(epoch).build();
    }

    public static PrimaryKeyRef primary(long shard, long id) {
        return PrimaryKeyRef.newBuilder().setShardId(shard).setPk(pk(id)).build();
    }

    /** A prewrite with primary {@code primaryId} on the same shard, for_update_ts = start_ts, ttl 10 s. */
    public static PrewriteRequest.Builder prewrite(ShardRef shard, long startTs, long primaryId, Mutation... mutations) {
        return PrewriteRequest.newBuilder().setShard(shard).setStartTs(startTs).setForUpdateTs(startTs)
                .setPrimary(primary(shard.getShardId(), primaryId)).addAllMutations(Arrays.asList(mutations))
                .setTtlMs(10_000).setSchemaVersion(1);
    }

    public static Mutation lock(long id) {
        return Mutation.newBuilder().setKind(Mutation.Kind.LOCK)
                .setRow(ByteString.copyFrom(NodeFixture.KEYS.encode(new Object[] {id}))).build();
    }

    public static CommitTxnRequest commit(ShardRef shard, long startTs, long commitTs, Long primaryId) {
        CommitTxnRequest.Builder b = CommitTxnRequest.newBuilder().setShard(shard).setStartTs(startTs).setCommitTs(commitTs);
        if (primaryId != null) {
            b.setPrimaryPk(pk(primaryId));
        }
        return b.build();
    }

    public static RollbackTxnRequest rollback(ShardRef shard, long startTs, Long primaryId) {
        RollbackTxnRequest.Builder b = RollbackTxnRequest.newBuilder().setShard(shard).setStartTs(startTs);
        if (primaryId != null) {
            b.setPrimaryPk(pk(primaryId));
        }
        return b.build();
    }

    public static CheckTxnStatusRequest check(ShardRef shard, long primaryId, long startTs, long callerTs) {
        return CheckTxnStatusRequest.newBuilder().setShard(shard).setPrimaryPk(pk(primaryId)).setStartTs(startTs)
                .setCallerTs(callerTs).build();
    }

    public static TxnHeartbeatRequest heartbeat(ShardRef shard, long primaryId, long startTs, long ttlMs) {
        return TxnHeartbeatRequest.newBuilder().setShard(shard).setPrimaryPk(pk(primaryId)).setStartTs(startTs)
                .setTtlMs(ttlMs).build();
    }

    public static TxnRead reader(long startTs, long... bypass) {
        TxnRead.Builder b = TxnRead.newBuilder().setStartTs(startTs);
        for (long t : bypass) {
            b.addBypassLocks(t);
        }
        return b.build();
    }

    public static GetRequest get(ShardRef shard, long readTs, TxnRead txn, long... ids) {
        GetRequest.Builder b = GetRequest.newBuilder().setShard(shard).setReadTs(readTs);
        if (txn != null) {
            b.setTxn(txn);
        }
        for (long id : ids) {
            b.addKeys(ByteString.copyFrom(NodeFixture.KEYS.encode(new Object[] {id})));
        }
        return b.build();
    }
}
