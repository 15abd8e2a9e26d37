package io.tessera.node.replication;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tessera.node.storage.Replica;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.AppendRequest;
import io.tessera.protocol.proto.AppendResponse;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.ReplicationServiceGrpc;
import io.tessera.protocol.proto.ShardState;
import io.tessera.protocol.proto.SnapshotChunk;
import io.tessera.protocol.proto.SnapshotRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The node's {@code ReplicationService}: Appends to its follower replicas, snapshots of its primaries. */
public final class ReplicationServer extends ReplicationServiceGrpc.ReplicationServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(ReplicationServer.class);

    private final Replication node;

    public ReplicationServer(Replication node) {
        this.node = node;
    }

    @Override
    public void append(AppendRequest req, StreamObserver<AppendResponse> obs) {
        AppendResponse resp;
        try {
            resp = node.follower().append(req);
        } catch (RuntimeException e) {
            log.error("append node={} shard={} epoch={} from={}: failed", node.nodeId(), req.getShardId(), req.getEpoch(),
                    req.getPrimaryId(), e);
            resp = AppendResponse.newBuilder().setStatus(AppendResponse.Status.FAILED)
                    .setError(ShardErrors.of(Error.Code.INTERNAL, e.toString())).build();
        }
        obs.onNext(resp);
        obs.onCompleted();
    }

    @Override
    public void fetchSnapshot(SnapshotRequest req, StreamObserver<SnapshotChunk> obs) {
        String ctx = "snapshot shard=" + req.getShardId() + " epoch=" + req.getEpoch() + " node=" + node.nodeId()
                + " follower=" + req.getFollowerId();
        Replica r = node.replicas().get(req.getShardId());
        ShardState s = r == null ? null : r.state();
        if (s == null || s.getEpoch() != req.getEpoch() || !node.nodeId().equals(s.getPrimary())) {
            obs.onNext(SnapshotChunk.newBuilder().setLast(true).setError(ShardErrors.of(Error.Code.NOT_PRIMARY,
                    ctx + ": this node is not the primary of that epoch")).build());
            obs.onCompleted();
            return;
        }
        log.info("{}: streaming a snapshot", ctx);
        new SnapshotStream((ServerCallStreamObserver<SnapshotChunk>) obs, r.openSnapshot(), ctx).start();
    }
}
