package org.gradlab.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A whole number from 1 to 2147483647, for counts such as {@code --epochs}; anything else is a usage error. */
public final class PositiveInt implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number from 1 to " + Integer.MAX_VALUE);
        }
        if (n < 1) {
            throw new TypeConversionException("'" + value + "' is not a whole number from 1 to " + Integer.MAX_VALUE);
        }
        return n;
    }
}
