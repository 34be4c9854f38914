// PDF paths (one a line, on standard input) -> the rules each breaks, for several veraPDF
// profiles, in one start of the Java VM (starting it and loading the profiles is the slow part).
//
// Usage: java -cp <veraPDF and JAXB jars>:<this class> Validate ua1 2u < paths
// Output, tab-separated, one line per failed rule, then one line per file:
//   FAIL <file index> <flavour> <clause> <test number> <count> <description> <first context>
//   DONE <file index>          or          ERROR <file index> <message>
// Tabs and line breaks inside texts are written as spaces, so every record is one line.

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.VeraPDFFoundry;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;
import org.verapdf.pdfa.validation.profiles.Rule;
import org.verapdf.pdfa.validation.profiles.RuleId;

public final class Validate {
    public static void main(String[] args) throws Exception {
        Logger.getLogger("").setLevel(Level.OFF);  // the library logs every recoverable oddity
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<PDFAFlavour> flavours = new ArrayList<>();
        for (String id : args) {
            PDFAFlavour flavour = PDFAFlavour.fromString(id);
            if (flavour == PDFAFlavour.NO_FLAVOUR) {
                throw new IllegalArgumentException("unknown veraPDF flavour: " + id);
            }
            flavours.add(flavour);
        }
        VeraGreenfieldFoundryProvider.initialise();
        VeraPDFFoundry foundry = Foundries.defaultInstance();
        BufferedReader paths = new BufferedReader(
            new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String path;
        int index = 0;
        while ((path = paths.readLine()) != null) {
            if (path.isEmpty()) {
                continue;
            }
            try (PDFAParser parser = foundry.createParser(new File(path), flavours.get(0));
                 PDFAValidator validator = foundry.createValidator(flavours)) {
                for (ValidationResult result : validator.validateAll(parser)) {
                    report(out, index, result);
                }
                out.println("DONE\t" + index);
            } catch (Exception e) {
                out.println("ERROR\t" + index + "\t" + clean(String.valueOf(e)));
            }
            index++;
        }
    }

    private static void report(PrintStream out, int index, ValidationResult result) {
        String flavour = result.getPDFAFlavour().getId();
        for (Map.Entry<RuleId, Integer> failed : result.getFailedChecks().entrySet()) {
            RuleId id = failed.getKey();
            Rule rule = result.getValidationProfile().getRuleByRuleId(id);
            String context = "";
            for (TestAssertion assertion : result.getTestAssertions()) {
                if (assertion.getStatus() == TestAssertion.Status.FAILED
                        && assertion.getRuleId().equals(id)) {
                    context = assertion.getLocation().getContext();
                    break;
                }
            }
            out.println(String.join("\t", "FAIL", String.valueOf(index), flavour,
                id.getClause(), String.valueOf(id.getTestNumber()),
                String.valueOf(failed.getValue()),
                clean(rule == null ? "" : rule.getDescription()), clean(context)));
        }
    }

    private static String clean(String text) {
        return text == null ? "" : text.replaceAll("[\\t\\r\\n]+", " ");
    }
}
