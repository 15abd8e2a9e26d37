package io.tessera.node.exec;

import io.tessera.protocol.proto.ColumnType;

/**
 * One node of a compiled expression: evaluates itself against a table row (column ordinals of the
 * table schema). Results are the Java forms of {@link #type()} defined by
 * {@link io.tessera.protocol.codec.Values}; SQL NULL is {@code null}, and booleans follow three-valued
 * logic (TRUE, FALSE, null = UNKNOWN). Compiled once per request by {@link ExprCompiler}.
 */
public abstract class Evaluator {
    private final SqlType type;

    protected Evaluator(SqlType type) {
        this.type = type;
    }

    public final SqlType sqlType() {
        return type;
    }

    public final ColumnType type() {
        return type.type();
    }

    public abstract Object eval(Object[] row);

    /** Whether this node is a literal (its value does not depend on the row). */
    public boolean isConstant() {
        return false;
    }
}
