package io.tessera.node;

import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Lock;
import io.tessera.protocol.proto.ShardState;

/**
 * The one exception a shard node raises for a failure it can name; the RPC layer turns it into the
 * in-band {@link Error} of the response (code, SQLState, message and, for routing errors, the route).
 */
public final class ShardException extends RuntimeException {
    private final Error.Code code;
    private final String sqlState;
    private final ShardState route;
    private final Lock lock;
    private final long minCommitTs;

    public ShardException(Error.Code code, String sqlState, String message, ShardState route) {
        this(code, sqlState, message, route, null, 0);
    }

    private ShardException(Error.Code code, String sqlState, String message, ShardState route, Lock lock, long minCommitTs) {
        super(message, null, false, false);
        this.code = code;
        this.sqlState = sqlState == null ? ShardErrors.defaultSqlState(code) : sqlState;
        this.route = route;
        this.lock = lock;
        this.minCommitTs = minCommitTs;
    }

    /** LOCKED: {@code lock} (with its pk and table_id) blocks the request; the caller resolves it and retries. */
    public static ShardException locked(Lock lock, String message) {
        return new ShardException(Error.Code.LOCKED, null, message, null, lock, 0);
    }

    /** COMMIT_TS_TOO_OLD: the primary lock's min_commit_ts was pushed above the commit_ts asked for. */
    public static ShardException commitTsTooOld(long minCommitTs, String message) {
        return new ShardException(Error.Code.COMMIT_TS_TOO_OLD, null, message, null, null, minCommitTs);
    }

    /** TXN_ABORTED (40001): the transaction was rolled back. */
    public static ShardException txnAborted(String message) {
        return new ShardException(Error.Code.TXN_ABORTED, "40001", message);
    }

    public ShardException(Error.Code code, String sqlState, String message) {
        this(code, sqlState, message, null);
    }

    public static ShardException badRequest(String sqlState, String message) {
        return new ShardException(Error.Code.BAD_REQUEST, sqlState, message);
    }

    /** An operation or type combination the node cannot evaluate (SQLState 0A000). */
    public static ShardException unsupported(String message) {
        return badRequest("0A000", message);
    }

    public Error.Code code() {
        return code;
    }

    public String sqlState() {
        return sqlState;
    }

    public ShardState route() {
        return route;
    }

    /** COMMIT_TS_TOO_OLD: the lowest commit_ts the transaction may use. */
    public long minCommitTs() {
        return minCommitTs;
    }

    public Error toError() {
        Error.Builder b = Error.newBuilder().setCode(code).setSqlState(sqlState).setMessage(getMessage());
        if (route != null) {
            b.setRoute(route);
        }
        if (lock != null) {
            b.setLock(lock);
        }
        return b.build();
    }
}
