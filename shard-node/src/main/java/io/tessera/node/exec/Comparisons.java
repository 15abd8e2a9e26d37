package io.tessera.node.exec;

import io.tessera.protocol.proto.Op;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** =, <>, <, <=, >, >=, BETWEEN and IN, with numeric promotion ({@link Domain}) and NULL → UNKNOWN. */
final class Comparisons {
    private Comparisons() {}

    static Evaluator compare(Op op, Evaluator left, Evaluator right) {
        Domain d = Domain.of(left.type(), right.type());
        switch (op) {
            case EQ:
                return new Compare(left, right, d) {
                    @Override
                    boolean test(int c) {
                        return c == 0;
                    }
                };
            case NE:
                return new Compare(left, right, d) {
                    @Override
                    boolean test(int c) {
                        return c != 0;
                    }
                };
            case LT:
                return new Compare(left, right, d) {
                    @Override
                    boolean test(int c) {
                        return c < 0;
                    }
                };
            case LE:
                return new Compare(left, right, d) {
                    @Override
                    boolean test(int c) {
                        return c <= 0;
                    }
                };
            case GT:
                return new Compare(left, right, d) {
                    @Override
                    boolean test(int c) {
                        return c > 0;
                    }
                };
            default:
                return new Compare(left, right, d) {
                    @Override
                    boolean test(int c) {
                        return c >= 0;
                    }
                };
        }
    }

    private abstract static class Compare extends Evaluator {
        private final Evaluator left;
        private final Evaluator right;
        private final Domain domain;

        Compare(Evaluator left, Evaluator right, Domain domain) {
            super(SqlType.BOOLEAN);
            this.left = left;
            this.right = right;
            this.domain = domain;
        }

        abstract boolean test(int c);

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
            return test(domain.compare(a, b));
        }
    }

    /** value BETWEEN low AND high (inclusive) = value >= low AND value <= high, three-valued. */
    static Evaluator between(Evaluator value, Evaluator low, Evaluator high) {
        Domain dl = Domain.of(value.type(), low.type());
        Domain dh = Domain.of(value.type(), high.type());
        return new Evaluator(SqlType.BOOLEAN) {
            @Override
            public Object eval(Object[] row) {
                Object v = value.eval(row);
                if (v == null) {
                    return null;
                }
                Object lo = low.eval(row);
                Object hi = high.eval(row);
                Boolean geLow = lo == null ? null : dl.compare(v, lo) >= 0;
                Boolean leHigh = hi == null ? null : dh.compare(v, hi) <= 0;
                if (Boolean.FALSE.equals(geLow) || Boolean.FALSE.equals(leHigh)) {
                    return false;
                }
                return geLow == null || leHigh == null ? null : Boolean.TRUE;
            }
        };
    }

    /**
     * value IN (c1, c2, ...): TRUE if some candidate equals it, else UNKNOWN if the value or some
     * candidate is NULL, else FALSE. Literal candidates of one comparison domain are hashed.
     */
    static Evaluator in(Evaluator value, List<Evaluator> candidates) {
        Domain[] domains = new Domain[candidates.size()];
        boolean allLiteral = true;
        Domain common = null;
        boolean oneDomain = true;
        for (int i = 0; i < domains.length; i++) {
            Evaluator c = candidates.get(i);
            domains[i] = Domain.of(value.type(), c.type());
            allLiteral &= c.isConstant();
            if (common == null) {
                common = domains[i];
            } else if (common != domains[i]) {
                oneDomain = false;
            }
        }
        if (allLiteral && oneDomain && common != null) {
            Set<Object> set = new HashSet<>();
            boolean nullCandidate = false;
            for (Evaluator c : candidates) {
                Object v = c.eval(null);
                if (v == null) {
                    nullCandidate = true;
                } else {
                    set.add(common.canonical(v));
                }
            }
            Domain d = common;
            Boolean miss = nullCandidate ? null : Boolean.FALSE;
            return new Evaluator(SqlType.BOOLEAN) {
                @Override
                public Object eval(Object[] row) {
                    Object v = value.eval(row);
                    if (v == null) {
                        return null;
                    }
                    return set.contains(d.canonical(v)) ? Boolean.TRUE : miss;
                }
            };
        }
        Evaluator[] cs = candidates.toArray(new Evaluator[0]);
        return new Evaluator(SqlType.BOOLEAN) {
            @Override
            public Object eval(Object[] row) {
                Object v = value.eval(row);
                if (v == null) {
                    return null;
                }
                boolean sawNull = false;
                for (int i = 0; i < cs.length; i++) {
                    Object c = cs[i].eval(row);
                    if (c == null) {
                        sawNull = true;
                    } else if (domains[i].compare(v, c) == 0) {
                        return Boolean.TRUE;
                    }
                }
                return sawNull ? null : Boolean.FALSE;
            }
        };
    }
}
