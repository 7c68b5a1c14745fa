package org.gradlab.clip;

/** A gradient holds NaN or an infinity where the chosen policy is to stop; the message names the parameter. */
public final class NonFiniteGradientException extends ArithmeticException {
    private static final long serialVersionUID = 1L;
    private final String param;

    public NonFiniteGradientException(String param, String detail) {
        super("gradient of " + param + " is not finite: " + detail);
        this.param = param;
    }

    /** The full name of the parameter, e.g. {@code "3.weight"}. */
    public String param() {
        return param;
    }
}
