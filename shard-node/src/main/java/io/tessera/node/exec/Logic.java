package io.tessera.node.exec;

/** AND, OR, NOT (three-valued), IS [NOT] NULL, IS TRUE, IS FALSE. */
final class Logic {
    private Logic() {}

    /** FALSE if any operand is FALSE, else UNKNOWN if any is UNKNOWN, else TRUE; stops at the first FALSE. */
    static Evaluator and(Evaluator[] operands) {
        return new Evaluator(SqlType.BOOLEAN) {
            @Override
            public Object eval(Object[] row) {
                boolean unknown = false;
                for (Evaluator e : operands) {
                    Object v = e.eval(row);
                    if (v == null) {
                        unknown = true;
                    } else if (!(Boolean) v) {
                        return Boolean.FALSE;
                    }
                }
                return unknown ? null : Boolean.TRUE;
            }
        };
    }

    /** TRUE if any operand is TRUE, else UNKNOWN if any is UNKNOWN, else FALSE; stops at the first TRUE. */
    static Evaluator or(Evaluator[] operands) {
        return new Evaluator(SqlType.BOOLEAN) {
            @Override
            public Object eval(Object[] row) {
                boolean unknown = false;
                for (Evaluator e : operands) {
                    Object v = e.eval(row);
                    if (v == null) {
                        unknown = true;
                    } else if ((Boolean) v) {
                        return Boolean.TRUE;
                    }
                }
                return unknown ? null : Boolean.FALSE;
            }
        };
    }

    static Evaluator not(Evaluator operand) {
        return new Evaluator(SqlType.BOOLEAN) {
            @Override
            public Object eval(Object[] row) {
                Object v = operand.eval(row);
                return v == null ? null : !(Boolean) v;
            }
        };
    }

    static Evaluator isNull(Evaluator operand, boolean negated) {
        return new Evaluator(SqlType.BOOLEAN) {
            @Override
            public Object eval(Object[] row) {
                return (operand.eval(row) == null) != negated;
            }
        };
    }

    /** IS TRUE / IS FALSE: never UNKNOWN. */
    static Evaluator isBoolean(Evaluator operand, boolean expected) {
        Boolean want = expected;
        return new Evaluator(SqlType.BOOLEAN) {
            @Override
            public Object eval(Object[] row) {
                return want.equals(operand.eval(row));
            }
        };
    }
}
