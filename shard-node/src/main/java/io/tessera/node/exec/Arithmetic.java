package io.tessera.node.exec;

import io.tessera.node.ShardException;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Op;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * + - * / % and unary minus. The operation runs in the widest domain of its operands and result:
 * {@code long} for exact integers (overflow → 22003), {@link BigDecimal} for decimals, {@code double}
 * when anything is approximate; the result is then fitted to the declared result type (range check
 * for integers, scale/precision for DECIMAL). Division or modulo by zero fails with 22012 in every
 * domain; integer division truncates toward zero and % takes the sign of the dividend.
 */
final class Arithmetic {
    private Arithmetic() {}

    enum Kind { LONG, DECIMAL, DOUBLE }

    static Kind kindOf(ColumnType... types) {
        Kind k = Kind.LONG;
        for (ColumnType t : types) {
            if (t == ColumnType.COLUMN_TYPE_UNSPECIFIED) {
                continue;
            }
            if (!SqlType.isNumeric(t)) {
                throw ShardException.unsupported("arithmetic on " + t + " is not supported");
            }
            if (SqlType.isApproximate(t)) {
                k = Kind.DOUBLE;
            } else if (t == ColumnType.DECIMAL && k == Kind.LONG) {
                k = Kind.DECIMAL;
            }
        }
        return k;
    }

    /** The result type when the request did not name one. */
    static SqlType inferType(SqlType a, SqlType b) {
        switch (kindOf(a.type(), b.type())) {
            case DOUBLE:
                return SqlType.of(ColumnType.DOUBLE);
            case DECIMAL:
                return SqlType.of(ColumnType.DECIMAL);
            default:
                return SqlType.of(ColumnType.BIGINT);
        }
    }

    static Evaluator binary(Op op, SqlType type, Evaluator left, Evaluator right) {
        Kind kind = kindOf(left.type(), right.type(), type.type());
        Casts.Conversion fit = Casts.conversion(resultTypeOf(kind), type);
        switch (kind) {
            case LONG:
                return new LongOp(op, type, left, right, fit);
            case DECIMAL:
                return new DecimalOp(op, type, left, right, fit);
            default:
                return new DoubleOp(op, type, left, right, fit);
        }
    }

    static Evaluator negate(SqlType type, Evaluator operand) {
        Kind kind = kindOf(operand.type(), type.type());
        Casts.Conversion fit = Casts.conversion(resultTypeOf(kind), type);
        return new Evaluator(type) {
            @Override
            public Object eval(Object[] row) {
                Object v = operand.eval(row);
                if (v == null) {
                    return null;
                }
                switch (kind) {
                    case LONG: {
                        long x = ((Number) v).longValue();
                        if (x == Long.MIN_VALUE) {
                            throw Casts.outOfRange(ColumnType.BIGINT, "-(" + x + ")");
                        }
                        return fit.apply(-x);
                    }
                    case DECIMAL:
                        return fit.apply(Domain.toBigDecimal(v).negate());
                    default:
                        return fit.apply(-((Number) v).doubleValue());
                }
            }
        };
    }

    private static ColumnType resultTypeOf(Kind kind) {
        switch (kind) {
            case LONG:
                return ColumnType.BIGINT;
            case DECIMAL:
                return ColumnType.DECIMAL;
            default:
                return ColumnType.DOUBLE;
        }
    }

    static ShardException divisionByZero() {
        return ShardException.badRequest("22012", "division by zero");
    }

    private abstract static class BinaryOp extends Evaluator {
        final Op op;
        final Evaluator left;
        final Evaluator right;
        final Casts.Conversion fit;

        BinaryOp(Op op, SqlType type, Evaluator left, Evaluator right, Casts.Conversion fit) {
            super(type);
            this.op = op;
            this.left = left;
            this.right = right;
            this.fit = fit;
        }

        @Override
        public final Object eval(Object[] row) {
            Object a = left.eval(row);
            if (a == null) {
                return null;
            }
            Object b = right.eval(row);
            if (b == null) {
                return null;
            }
            return fit.apply(compute(a, b));
        }

        abstract Object compute(Object a, Object b);
    }

    private static final class LongOp extends BinaryOp {
        LongOp(Op op, SqlType type, Evaluator left, Evaluator right, Casts.Conversion fit) {
            super(op, type, left, right, fit);
        }

        @Override
        Object compute(Object a, Object b) {
            long x = ((Number) a).longValue();
            long y = ((Number) b).longValue();
            try {
                switch (op) {
                    case PLUS:
                        return Math.addExact(x, y);
                    case MINUS:
                        return Math.subtractExact(x, y);
                    case TIMES:
                        return Math.multiplyExact(x, y);
                    case DIVIDE:
                        if (y == 0) {
                            throw divisionByZero();
                        }
                        if (x == Long.MIN_VALUE && y == -1) {
                            throw new ArithmeticException("overflow");
                        }
                        return x / y;
                    default: // MOD
                        if (y == 0) {
                            throw divisionByZero();
                        }
                        return y == -1 ? 0L : x % y;
                }
            } catch (ArithmeticException e) {
                throw Casts.outOfRange(ColumnType.BIGINT, x + " " + op + " " + y);
            }
        }
    }

    private static final class DecimalOp extends BinaryOp {
        DecimalOp(Op op, SqlType type, Evaluator left, Evaluator right, Casts.Conversion fit) {
            super(op, type, left, right, fit);
        }

        @Override
        Object compute(Object a, Object b) {
            BigDecimal x = Domain.toBigDecimal(a);
            BigDecimal y = Domain.toBigDecimal(b);
            switch (op) {
                case PLUS:
                    return x.add(y);
                case MINUS:
                    return x.subtract(y);
                case TIMES:
                    return x.multiply(y);
                case DIVIDE:
                    if (y.signum() == 0) {
                        throw divisionByZero();
                    }
                    return x.divide(y, MathContext.DECIMAL128);
                default:
                    if (y.signum() == 0) {
                        throw divisionByZero();
                    }
                    return x.remainder(y);
            }
        }
    }

    private static final class DoubleOp extends BinaryOp {
        DoubleOp(Op op, SqlType type, Evaluator left, Evaluator right, Casts.Conversion fit) {
            super(op, type, left, right, fit);
        }

        @Override
        Object compute(Object a, Object b) {
            double x = ((Number) a).doubleValue();
            double y = ((Number) b).doubleValue();
            switch (op) {
                case PLUS:
                    return x + y;
                case MINUS:
                    return x - y;
                case TIMES:
                    return x * y;
                case DIVIDE:
                    if (y == 0) {
                        throw divisionByZero();
                    }
                    return x / y;
                default:
                    if (y == 0) {
                        throw divisionByZero();
                    }
                    return x % y;
            }
        }
    }
}
