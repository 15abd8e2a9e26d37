package io.tessera.node.exec;

import io.tessera.node.ShardException;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.Call;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Op;
import io.tessera.protocol.proto.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles a protobuf {@link Expr} once into a tree of {@link Evaluator}s over the rows of a table
 * with the given column types. Type errors and unsupported operations fail here, before any row is
 * read: 0A000 for what the node cannot evaluate, 42804 for operands of the wrong type.
 */
public final class ExprCompiler {
    private final SqlType[] columns;

    public ExprCompiler(ColumnType[] columnTypes) {
        this.columns = new SqlType[columnTypes.length];
        for (int i = 0; i < columnTypes.length; i++) {
            columns[i] = SqlType.of(columnTypes[i]);
        }
    }

    public Evaluator compile(Expr e) {
        switch (e.getKindCase()) {
            case COLUMN:
                return column(e);
            case LITERAL:
                return literal(e);
            case CALL:
                return call(e, e.getCall());
            default:
                throw ShardException.badRequest("22000", "empty expression");
        }
    }

    /** Compiles a predicate: its result must be BOOLEAN. */
    public Evaluator compilePredicate(Expr e) {
        Evaluator ev = compile(e);
        requireBoolean(ev, "filter");
        return ev;
    }

    private static SqlType declared(Expr e) {
        return new SqlType(e.getType(), e.getPrecision(), e.getScale());
    }

    private Evaluator column(Expr e) {
        int ordinal = e.getColumn();
        if (ordinal < 0 || ordinal >= columns.length) {
            throw ShardException.badRequest("42703", "column ordinal " + ordinal + " out of range (table has "
                    + columns.length + " columns)");
        }
        SqlType t = e.getType() == ColumnType.COLUMN_TYPE_UNSPECIFIED ? columns[ordinal]
                : new SqlType(columns[ordinal].type(), e.getPrecision(), e.getScale());
        return new Evaluator(t) {
            @Override
            public Object eval(Object[] row) {
                return row[ordinal];
            }
        };
    }

    private static Evaluator literal(Expr e) {
        Value v = e.getLiteral();
        SqlType type = e.getType() != ColumnType.COLUMN_TYPE_UNSPECIFIED ? declared(e) : SqlType.of(typeOfValue(v));
        Object value;
        if (v.getKindCase() == Value.KindCase.KIND_NOT_SET) {
            value = null;
        } else if (v.getKindCase() == Value.KindCase.STRING_VALUE && !SqlType.isCharacter(type.type())) {
            value = Casts.conversion(ColumnType.VARCHAR, type).apply(v.getStringValue());
        } else {
            try {
                value = Values.fromProto(type.type(), v);
            } catch (RuntimeException ex) {
                throw ShardException.badRequest("42804", "literal " + v + " does not fit type " + type.type());
            }
            if (v.getKindCase() == Value.KindCase.BOOL_VALUE && type.type() != ColumnType.BOOLEAN) {
                throw ShardException.badRequest("42804", "boolean literal of type " + type.type());
            }
        }
        return constant(type, value);
    }

    static Evaluator constant(SqlType type, Object value) {
        return new Evaluator(type) {
            @Override
            public Object eval(Object[] row) {
                return value;
            }

            @Override
            public boolean isConstant() {
                return true;
            }
        };
    }

    private static ColumnType typeOfValue(Value v) {
        switch (v.getKindCase()) {
            case BOOL_VALUE:
                return ColumnType.BOOLEAN;
            case LONG_VALUE:
                return ColumnType.BIGINT;
            case DOUBLE_VALUE:
                return ColumnType.DOUBLE;
            case STRING_VALUE:
                return ColumnType.VARCHAR;
            case BYTES_VALUE:
                return ColumnType.VARBINARY;
            case DECIMAL_VALUE:
                return ColumnType.DECIMAL;
            default:
                return ColumnType.COLUMN_TYPE_UNSPECIFIED;
        }
    }

    private Evaluator call(Expr e, Call call) {
        Op op = call.getOp();
        List<Evaluator> args = new ArrayList<>(call.getOperandsCount());
        for (Expr operand : call.getOperandsList()) {
            args.add(compile(operand));
        }
        switch (op) {
            case EQ:
            case NE:
            case LT:
            case LE:
            case GT:
            case GE:
                arity(op, args, 2, 2);
                return Comparisons.compare(op, args.get(0), args.get(1));
            case AND:
            case OR: {
                arity(op, args, 1, Integer.MAX_VALUE);
                for (Evaluator a : args) {
                    requireBoolean(a, op.name());
                }
                Evaluator[] ops = args.toArray(new Evaluator[0]);
                return op == Op.AND ? Logic.and(ops) : Logic.or(ops);
            }
            case NOT:
                arity(op, args, 1, 1);
                requireBoolean(args.get(0), op.name());
                return Logic.not(args.get(0));
            case IS_NULL:
            case IS_NOT_NULL:
                arity(op, args, 1, 1);
                return Logic.isNull(args.get(0), op == Op.IS_NOT_NULL);
            case IS_TRUE:
            case IS_FALSE:
                arity(op, args, 1, 1);
                requireBoolean(args.get(0), op.name());
                return Logic.isBoolean(args.get(0), op == Op.IS_TRUE);
            case PLUS:
            case MINUS:
            case TIMES:
            case DIVIDE:
            case MOD: {
                arity(op, args, 2, 2);
                SqlType t = e.getType() != ColumnType.COLUMN_TYPE_UNSPECIFIED ? declared(e)
                        : Arithmetic.inferType(args.get(0).sqlType(), args.get(1).sqlType());
                return Arithmetic.binary(op, t, args.get(0), args.get(1));
            }
            case NEGATE: {
                arity(op, args, 1, 1);
                SqlType t = e.getType() != ColumnType.COLUMN_TYPE_UNSPECIFIED ? declared(e) : args.get(0).sqlType();
                return Arithmetic.negate(t, args.get(0));
            }
            case LIKE:
                arity(op, args, 2, 3);
                for (Evaluator a : args) {
                    if (!SqlType.isCharacter(a.type()) && !a.sqlType().isNullType()) {
                        throw ShardException.badRequest("42804", "LIKE needs character operands, not " + a.type());
                    }
                }
                return LikePattern.evaluator(args.get(0), args.get(1), args.size() > 2 ? args.get(2) : null);
            case IN:
                arity(op, args, 2, Integer.MAX_VALUE);
                return Comparisons.in(args.get(0), args.subList(1, args.size()));
            case BETWEEN:
                arity(op, args, 3, 3);
                return Comparisons.between(args.get(0), args.get(1), args.get(2));
            case CAST: {
                arity(op, args, 1, 1);
                if (e.getType() == ColumnType.COLUMN_TYPE_UNSPECIFIED) {
                    throw ShardException.badRequest("22000", "CAST without a target type");
                }
                return cast(args.get(0), declared(e));
            }
            default:
                throw ShardException.unsupported("operation " + op + " is not supported on shard nodes");
        }
    }

    static Evaluator cast(Evaluator operand, SqlType to) {
        Casts.Conversion c = Casts.conversion(operand.type(), to);
        if (operand.isConstant()) {
            Object v = operand.eval(null);
            return constant(to, v == null ? null : c.apply(v));
        }
        return new Evaluator(to) {
            @Override
            public Object eval(Object[] row) {
                Object v = operand.eval(row);
                return v == null ? null : c.apply(v);
            }
        };
    }

    private static void arity(Op op, List<Evaluator> args, int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw ShardException.badRequest("42000", op + " with " + args.size() + " operands");
        }
    }

    private static void requireBoolean(Evaluator e, String where) {
        if (e.type() != ColumnType.BOOLEAN && !e.sqlType().isNullType()) {
            throw ShardException.badRequest("42804", where + " needs a BOOLEAN operand, not " + e.type());
        }
    }
}
