package io.tessera.node;

import io.tessera.protocol.error.ShardErrors;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.ShardState;

/**
 * The one exception a shard node raises for a failure it can name; the RPC layer turns it into the
 * in-band {@link Error} of the response (code, SQLState, message and, for routing errors, the route).
 */
public final class ShardException extends RuntimeException {
    private final Error.Code code;
    private final String sqlState;
    private final ShardState route;

    public ShardException(Error.Code code, String sqlState, String message, ShardState route) {
        super(message, null, false, false);
        this.code = code;
        this.sqlState = sqlState == null ? ShardErrors.defaultSqlState(code) : sqlState;
        this.route = route;
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

    public Error toError() {
        Error.Builder b = Error.newBuilder().setCode(code).setSqlState(sqlState).setMessage(getMessage());
        if (route != null) {
            b.setRoute(route);
        }
        return b.build();
    }
}
