package io.tessera.node.exec;

import io.tessera.node.ShardException;
import java.util.regex.Pattern;

/**
 * A compiled SQL LIKE pattern: {@code %} matches any sequence, {@code _} one character, and the
 * escape character (if any) makes the next {@code %}, {@code _} or escape character literal.
 * Case-sensitive; matches the whole value.
 */
final class LikePattern {
    private final String source;
    private final String escape;
    private final Pattern regex;

    private LikePattern(String source, String escape, Pattern regex) {
        this.source = source;
        this.escape = escape;
        this.regex = regex;
    }

    static LikePattern compile(String pattern, String escape) {
        Character esc = null;
        if (escape != null) {
            if (escape.length() != 1) {
                throw ShardException.badRequest("22019", "invalid escape character '" + escape + "': it must be one character");
            }
            esc = escape.charAt(0);
        }
        StringBuilder re = new StringBuilder(pattern.length() + 8);
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (esc != null && c == esc) {
                if (i + 1 >= pattern.length()) {
                    throw ShardException.badRequest("22025", "LIKE pattern '" + pattern + "' ends with the escape character");
                }
                char n = pattern.charAt(++i);
                if (n != '%' && n != '_' && n != esc) {
                    throw ShardException.badRequest("22025", "invalid escape sequence in LIKE pattern '" + pattern + "'");
                }
                literal.append(n);
            } else if (c == '%' || c == '_') {
                if (literal.length() > 0) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(c == '%' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
        }
        return new LikePattern(pattern, escape, Pattern.compile(re.toString(), Pattern.DOTALL));
    }

    boolean matches(String value) {
        return regex.matcher(value).matches();
    }

    boolean isFor(String pattern, String esc) {
        return source.equals(pattern) && java.util.Objects.equals(escape, esc);
    }

    /** LIKE as an evaluator; the pattern is compiled once when it is a literal, else cached per value. */
    static Evaluator evaluator(Evaluator value, Evaluator pattern, Evaluator escape) {
        if (pattern.isConstant() && (escape == null || escape.isConstant())) {
            Object p = pattern.eval(null);
            Object e = escape == null ? null : escape.eval(null);
            if (p == null || (escape != null && e == null)) {
                return new Evaluator(SqlType.BOOLEAN) {
                    @Override
                    public Object eval(Object[] row) {
                        return null;
                    }
                };
            }
            LikePattern compiled = compile((String) p, (String) e);
            return new Evaluator(SqlType.BOOLEAN) {
                @Override
                public Object eval(Object[] row) {
                    Object v = value.eval(row);
                    return v == null ? null : compiled.matches((String) v);
                }
            };
        }
        return new Evaluator(SqlType.BOOLEAN) {
            private LikePattern last;

            @Override
            public Object eval(Object[] row) {
                Object v = value.eval(row);
                Object p = pattern.eval(row);
                Object e = escape == null ? null : escape.eval(row);
                if (v == null || p == null || (escape != null && e == null)) {
                    return null;
                }
                LikePattern lp = last;
                if (lp == null || !lp.isFor((String) p, (String) e)) {
                    lp = compile((String) p, (String) e);
                    last = lp;
                }
                return lp.matches((String) v);
            }
        };
    }
}
