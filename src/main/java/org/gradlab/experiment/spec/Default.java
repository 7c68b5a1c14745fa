package org.gradlab.experiment.spec;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The value a spec component takes when its JSON leaves it out, written as JSON
 * ({@code @Default("0.9")}, {@code @Default("[]")}, {@code @Default("null")},
 * {@code @Default("{\"kind\": \"digits\"}")}). A component without one is required.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Default {
    String value();
}
