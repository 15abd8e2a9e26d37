package io.tessera.coordinator.rpc;

import io.grpc.stub.StreamObserver;
import io.tessera.coordinator.catalog.Catalog;
import io.tessera.coordinator.catalog.DdlException;
import io.tessera.coordinator.failover.SyncSetChanges;
import io.tessera.coordinator.leader.Fence;
import io.tessera.coordinator.leader.Leadership;
import io.tessera.coordinator.leader.NotLeaderException;
import io.tessera.coordinator.tso.OracleSuspendedException;
import io.tessera.coordinator.tso.TimestampOracle;
import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.CoordinatorInfo;
import io.tessera.protocol.proto.CoordinatorServiceGrpc;
import io.tessera.protocol.proto.CreateIndexRequest;
import io.tessera.protocol.proto.CreateTableRequest;
import io.tessera.protocol.proto.CreateViewRequest;
import io.tessera.protocol.proto.DdlResponse;
import io.tessera.protocol.proto.DropIndexRequest;
import io.tessera.protocol.proto.DropTableRequest;
import io.tessera.protocol.proto.DropViewRequest;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.SyncSetChangeRequest;
import io.tessera.protocol.proto.SyncSetChangeResponse;
import io.tessera.protocol.proto.TimestampRequest;
import io.tessera.protocol.proto.TimestampResponse;
import io.tessera.protocol.time.Timestamps;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's gRPC service: timestamps, DDL and the primaries' sync-set changes. Failures
 * travel in-band as {@link Error}: a coordinator that does not lead answers NOT_PRIMARY naming the
 * leader when it knows it, so clients re-resolve.
 */
public final class CoordinatorServiceImpl extends CoordinatorServiceGrpc.CoordinatorServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorServiceImpl.class);

    private final String coordinatorId;
    private final Leadership leadership;
    private final TimestampOracle tso;
    private final Catalog catalog;
    private final SyncSetChanges syncSets;

    public CoordinatorServiceImpl(String coordinatorId, Leadership leadership, TimestampOracle tso, Catalog catalog,
            SyncSetChanges syncSets) {
        this.coordinatorId = coordinatorId;
        this.leadership = leadership;
        this.tso = tso;
        this.catalog = catalog;
        this.syncSets = syncSets;
    }

    @Override
    public void changeSyncSet(SyncSetChangeRequest request, StreamObserver<SyncSetChangeResponse> out) {
        SyncSetChangeResponse response;
        Optional<Fence> fence = leadership.fence();
        if (fence.isEmpty()) {
            response = SyncSetChangeResponse.newBuilder().setError(notPrimary()).build();
        } else {
            try {
                response = syncSets.change(fence.get(), request);
            } catch (NotLeaderException e) {
                log.warn("ChangeSyncSet of shard {} aborted: coordinator {} lost its term (epoch {})",
                        request.getShardId(), coordinatorId, fence.get().epoch());
                leadership.termRejected(fence.get());
                response = SyncSetChangeResponse.newBuilder().setError(notPrimary()).build();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.warn("ChangeSyncSet of shard {} (epoch {}, primary {}, remove {}, add {}) failed on coordinator {}: {}",
                        request.getShardId(), request.getEpoch(), request.getPrimary(), request.getRemoveList(),
                        request.getAddList(), coordinatorId, e.toString());
                response = SyncSetChangeResponse.newBuilder().setError(ShardErrors.of(Error.Code.INTERNAL, "08006",
                        "ChangeSyncSet of shard " + request.getShardId() + " failed: " + e)).build();
            }
        }
        out.onNext(response);
        out.onCompleted();
    }

    @Override
    public void getTimestamps(TimestampRequest request, StreamObserver<TimestampResponse> out) {
        TimestampResponse.Builder r = TimestampResponse.newBuilder();
        int count = request.getCount() == 0 ? 1 : request.getCount();
        if (count < 0 || count > TimestampOracle.MAX_BATCH) {
            r.setError(ShardErrors.of(Error.Code.BAD_REQUEST, "22023",
                    "timestamp count must be in 1.." + TimestampOracle.MAX_BATCH + ": " + count));
        } else {
            try {
                if (leadership.fence().isEmpty()) {
                    throw new NotLeaderException("not leading");
                }
                r.setFirst(tso.next(count)).setCount(count).setStep(Timestamps.ORACLE_STEP);
            } catch (OracleSuspendedException e) {
                // ZooKeeper is away: the term stands, the client retries.
                r.setError(notPrimary());
            } catch (NotLeaderException e) {
                // With a term in hand this means a newer epoch fenced the oracle out.
                leadership.fence().ifPresent(leadership::termRejected);
                r.setError(notPrimary());
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.warn("GetTimestamps({}) failed on coordinator {}: {}", count, coordinatorId, e.toString());
                r.setError(ShardErrors.of(Error.Code.INTERNAL, "08006", "timestamp oracle unavailable: " + e));
            }
        }
        out.onNext(r.build());
        out.onCompleted();
    }

    @Override
    public void createTable(CreateTableRequest request, StreamObserver<DdlResponse> out) {
        ddl(out, "CREATE TABLE " + request.getTable().getName(),
                fence -> DdlResponse.newBuilder().setTable(catalog.createTable(fence, request)));
    }

    @Override
    public void dropTable(DropTableRequest request, StreamObserver<DdlResponse> out) {
        ddl(out, "DROP TABLE " + request.getName(), fence -> {
            DdlResponse.Builder r = DdlResponse.newBuilder();
            catalog.dropTable(fence, request).ifPresent(r::setTable);
            return r;
        });
    }

    @Override
    public void createIndex(CreateIndexRequest request, StreamObserver<DdlResponse> out) {
        ddl(out, "CREATE INDEX " + request.getIndex().getName(),
                fence -> DdlResponse.newBuilder().setTable(catalog.createIndex(fence, request)));
    }

    @Override
    public void dropIndex(DropIndexRequest request, StreamObserver<DdlResponse> out) {
        ddl(out, "DROP INDEX " + request.getName(), fence -> {
            DdlResponse.Builder r = DdlResponse.newBuilder();
            catalog.dropIndex(fence, request).ifPresent(r::setTable);
            return r;
        });
    }

    @Override
    public void createView(CreateViewRequest request, StreamObserver<DdlResponse> out) {
        ddl(out, "CREATE VIEW " + request.getView().getName(), fence -> {
            catalog.createView(fence, request);
            return DdlResponse.newBuilder();
        });
    }

    @Override
    public void dropView(DropViewRequest request, StreamObserver<DdlResponse> out) {
        ddl(out, "DROP VIEW " + request.getName(), fence -> {
            catalog.dropView(fence, request);
            return DdlResponse.newBuilder();
        });
    }

    private interface Statement {
        DdlResponse.Builder run(Fence fence) throws Exception;
    }

    private void ddl(StreamObserver<DdlResponse> out, String what, Statement statement) {
        DdlResponse response;
        Optional<Fence> fence = leadership.fence();
        if (fence.isEmpty()) {
            response = DdlResponse.newBuilder().setError(notPrimary()).build();
        } else {
            try {
                response = statement.run(fence.get()).build();
            } catch (DdlException e) {
                log.info("{} refused: {} ({})", what, e.getMessage(), e.error().getSqlState());
                response = DdlResponse.newBuilder().setError(e.error()).build();
            } catch (NotLeaderException e) {
                log.warn("{} aborted: coordinator {} lost its term (epoch {})", what, coordinatorId, fence.get().epoch());
                leadership.termRejected(fence.get());
                response = DdlResponse.newBuilder().setError(notPrimary()).build();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.warn("{} failed on coordinator {} (epoch {}): {}", what, coordinatorId, fence.get().epoch(), e.toString());
                response = DdlResponse.newBuilder()
                        .setError(ShardErrors.of(Error.Code.INTERNAL, "XX000", what + " failed: " + e)).build();
            }
        }
        out.onNext(response);
        out.onCompleted();
    }

    private Error notPrimary() {
        Optional<CoordinatorInfo> leader = leadership.readLeader()
                .filter(l -> !l.getCoordinatorId().equals(coordinatorId) || leadership.isLeader());
        String message = leader.map(l -> "coordinator " + coordinatorId + " does not lead; the leader is "
                        + l.getCoordinatorId() + " at " + l.getAddress())
                .orElse("coordinator " + coordinatorId + " does not lead; no leader is known yet");
        return ShardErrors.of(Error.Code.NOT_PRIMARY, "08006", message);
    }
}
