using System.Collections.Immutable;
using System.Globalization;
using OrleansMl.Datasets;
using OrleansMl.Ml;

namespace OrleansMl.Models;

/// <summary>
/// The one place a training request is checked, before anything is allocated: it resolves the dataset version and
/// checks every setting against it and its schema: column names and kinds, parameter names, types and ranges and which
/// algorithm uses them, the task against the label's kind and number of distinct values, trees × leaves, and the width
/// of the feature space after featurization, all bounded by the settings in <see cref="TrainingLimits"/>. A request
/// that passes allocates a version; only what no statistic tells (a rare spelling mix-up of a label, LightGBM finding
/// no split with any gain in the rows) can still end that version as failed, besides its wall-clock limit.
/// </summary>
public static class TrainingSpecValidator
{
    public const double DefaultTestFraction = 0.2;
    public const int DefaultSeed = 42;

    /// <summary>Largest held-out share: at least a tenth of the rows is left to learn from.</summary>
    public const double MaxTestFraction = 0.9;

    /// <summary>Fewer held-out rows than this and the version's metrics say they rest on few rows (a warning in its spec).</summary>
    public const int FewTestRows = 20;

    /// <summary>Resolves the dataset version the request names (the latest when it names none) and validates against it.</summary>
    /// <exception cref="InvalidNameException">The dataset name is malformed.</exception>
    /// <exception cref="DatasetNotFoundException">The dataset or dataset version does not exist.</exception>
    /// <exception cref="InvalidVersionNumberException">The dataset version is below 1.</exception>
    /// <exception cref="InvalidTrainingRequestException">A setting does not fit the request or the dataset.</exception>
    public static async Task<TrainingSpec> ResolveAsync(
        IGrainFactory grains, TrainingRequest request, TrainingLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        CheckSettings(request, limits);
        var dataset = grains.GetGrain<IDatasetGrain>(request.Dataset);
        var version = request.DatasetVersion is { } v ? await dataset.GetVersionAsync(v) : (await dataset.GetAsync()).Latest;
        cancellationToken.ThrowIfCancellationRequested();
        return Resolve(request, version, limits);
    }

    /// <summary>
    /// As <see cref="ResolveAsync"/>, for a training about to be accepted: the dataset version (the latest live one at
    /// this moment when the request names none) is reserved for <paramref name="model"/> under
    /// <paramref name="reservation"/> on the dataset grain, which refuses to delete it until the caller releases the
    /// reservation (<see cref="IDatasetReservations.ReleaseAsync"/>), whether or not this succeeds.
    /// </summary>
    /// <exception cref="InvalidNameException">The dataset name is malformed.</exception>
    /// <exception cref="DatasetNotFoundException">The dataset or dataset version does not exist, or was deleted.</exception>
    /// <exception cref="InvalidVersionNumberException">The dataset version is below 1.</exception>
    /// <exception cref="InvalidTrainingRequestException">A setting does not fit the request or the dataset.</exception>
    public static async Task<TrainingSpec> ReserveAsync(
        IGrainFactory grains, TrainingRequest request, TrainingLimits limits, string model, Guid reservation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(limits);
        CheckSettings(request, limits);
        var version = await grains.GetGrain<IDatasetReservations>(request.Dataset).ReserveAsync(reservation, model, request.DatasetVersion);
        cancellationToken.ThrowIfCancellationRequested();
        return Resolve(request, version, limits);
    }

    /// <summary>The refusal to train on <paramref name="dataset"/>, a deleted version.</summary>
    public static DatasetNotFoundException Deleted(DatasetVersionInfo dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new DatasetNotFoundException(
            $"Dataset '{dataset.Name}' version {dataset.Version} was deleted: its rows are gone. Train on another version, or upload the data again.");
    }

    /// <summary>Validates <paramref name="request"/> against <paramref name="dataset"/> and fills in the defaults.</summary>
    /// <exception cref="InvalidTrainingRequestException">A setting does not fit the request or the dataset.</exception>
    public static TrainingSpec Resolve(TrainingRequest request, DatasetVersionInfo dataset, TrainingLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(dataset);
        limits ??= TrainingLimits.Default;
        CheckSettings(request, limits);
        if (dataset.IsDeleted)
        {
            throw Deleted(dataset);
        }

        var columns = dataset.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var where = $"Dataset '{dataset.Name}' version {dataset.Version}";
        var names = string.Join(", ", dataset.Columns.Select(c => c.Name));
        if (!columns.TryGetValue(request.Label, out var label))
        {
            throw new InvalidTrainingRequestException($"{where} has no column '{Names.Shown(request.Label)}' to use as the label. Columns: {names}.");
        }

        var features = request.Features.IsDefault ? [] : request.Features;
        var unknown = features.Where(f => !columns.ContainsKey(f)).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidTrainingRequestException(
                $"{where} has no column{(unknown.Count > 1 ? "s" : string.Empty)} {NameList.Quoted(unknown)} to use as a feature. Columns: {names}.");
        }

        if (features.Contains(request.Label))
        {
            throw new InvalidTrainingRequestException($"The label '{request.Label}' cannot also be a feature; remove it from features.");
        }

        if (features.GroupBy(f => f, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidTrainingRequestException($"The feature '{twice.Key}' is listed more than once; name each feature once.");
        }

        // A column named as a feature is used even if schema inference marked it ignored (the caller chose it, and says
        // so in the spec's warnings), unless it holds no value at all: the tree learners fail on such a column ("All
        // instances skipped due to missing features") and the others learn nothing from it.
        if (features.Select(f => columns[f]).FirstOrDefault(c => c.Count == 0) is { } empty)
        {
            throw new InvalidTrainingRequestException(
                $"The feature '{empty.Name}' has no values in dataset '{dataset.Name}' version {dataset.Version}: every one of its cells is empty, so there is nothing to learn from it. Remove it from features.");
        }

        if (features.IsEmpty && !dataset.Columns.Any(c => c.Name != label.Name && c.Kind != ColumnKind.Ignored))
        {
            throw new InvalidTrainingRequestException(
                $"No usable feature columns: every column of {where} other than the label '{label.Name}' is ignored (identifiers, "
                + "empty or high-cardinality values). Name the features to use explicitly.");
        }

        if (request.Task == ModelTask.Regression && !IsNumeric(label))
        {
            throw new InvalidTrainingRequestException(
                $"Task regression needs a numeric label, but '{label.Name}' is a {EnumWords.Word(label.Kind)} column. "
                + "Use task binary or multiclass, or auto.");
        }

        CheckLabel(request.Task, label);
        var parameters = HyperParameters.Parse(request.Parameters, limits);
        if (parameters.L1WithoutL2ForLinearRegression(request.Algorithm) && IsRegression(request.Task, label))
        {
            throw new InvalidTrainingRequestException(HyperParameters.L1NeedsL2ForLinearRegression(request.Algorithm));
        }

        CheckTreeSize(request.Algorithm, parameters, dataset, request.TestFraction ?? DefaultTestFraction, limits);
        var used = features.IsEmpty
            ? [.. dataset.Columns.Where(c => c.Name != label.Name && c.Kind != ColumnKind.Ignored)]
            : features.Select(f => columns[f]).ToList();
        CheckFeatureWidth(used, limits);
        if (request.Algorithm == TrainingAlgorithm.Lda)
        {
            CheckDiscriminantAnalysis(request.Task, label, used);
        }

        if (request.Algorithm == TrainingAlgorithm.KernelRidge)
        {
            CheckKernelRidge(request.Task, label, used);
        }

        var testFraction = request.TestFraction ?? DefaultTestFraction;
        var warnings = features.Select(f => columns[f]).Where(c => c.Kind == ColumnKind.Ignored).Select(IgnoredFeatureWarning).ToImmutableArray();
        if (FewTestRowsWarning(label, testFraction) is { } few)
        {
            warnings = warnings.Add(few);
        }

        if (LeafTooLarge(request.Algorithm, parameters, label, testFraction) is { } oneLeaf)
        {
            warnings = warnings.Add(oneLeaf);
        }

        if (request.Algorithm == TrainingAlgorithm.LightGbm && !IsRegression(request.Task, label))
        {
            CheckLightGbmRows(label, testFraction);
        }

        return new TrainingSpec(
            dataset.Name, dataset.Version, dataset.ContentHash, request.Label, request.Task, request.Algorithm, features,
            request.Parameters ?? ImmutableDictionary<string, double>.Empty, testFraction,
            request.Seed ?? DefaultSeed, warnings.IsEmpty ? null : warnings);
    }

    /// <summary>
    /// A tree splits a node only into leaves of at least minLeaf rows each, so with fewer than twice that many training
    /// rows every tree is a single leaf and the model answers the same for every row. Refused for a tree learner (linear takes no
    /// minLeaf); for auto, whose linear candidate is not bound by it, a warning.
    /// </summary>
    private static string? LeafTooLarge(TrainingAlgorithm algorithm, HyperParameters parameters, ColumnInfo label, double testFraction)
    {
        var trainRows = (long)Math.Ceiling(label.Count * (1 - testFraction));
        if (algorithm == TrainingAlgorithm.Linear || parameters.MinLeaf is not { } minLeaf || trainRows == 0 || trainRows >= 2L * minLeaf)
        {
            return null;
        }

        var problem = $"minLeaf {minLeaf} asks every leaf for at least {minLeaf} rows, but about {trainRows} labelled rows are left to train on, "
            + $"fewer than the {2L * minLeaf} a first split needs";
        var most = Math.Max(1, trainRows / 2);
        if (algorithm != TrainingAlgorithm.Auto)
        {
            throw new InvalidTrainingRequestException($"{problem}: every tree would be one leaf, a model that predicts the same for every row. Give minLeaf at most {most}.");
        }

        return $"{problem}, so every tree candidate is one leaf that predicts the same for every row and only the linear candidate can learn; give minLeaf at most {most}.";
    }

    /// <summary>
    /// Discriminant analysis models classes (two or more), over at most <see cref="DiscriminantAnalysis.MaxFeatures"/>
    /// encoded features.
    /// </summary>
    private static void CheckDiscriminantAnalysis(ModelTask task, ColumnInfo label, IReadOnlyList<ColumnInfo> features)
    {
        if (IsRegression(task, label))
        {
            throw new InvalidTrainingRequestException(
                $"Algorithm lda is for a label of classes, and '{label.Name}' is a regression target: choose linear, which fits a linear model to it, or auto.");
        }

        var width = FeatureWidth(features);
        if (width > DiscriminantAnalysis.MaxFeatures)
        {
            throw new InvalidTrainingRequestException(string.Create(CultureInfo.InvariantCulture,
                $"Algorithm lda takes at most {DiscriminantAnalysis.MaxFeatures} features after one-hot, hashed and text featurization; these would be {width} wide. "
                + $"Name fewer features, or choose linear or auto."));
        }
    }

    private static void CheckKernelRidge(ModelTask task, ColumnInfo label, IReadOnlyList<ColumnInfo> features)
    {
        if (!IsRegression(task, label))
        {
            throw new InvalidTrainingRequestException(
                $"Algorithm kernelridge is for a regression target, and '{label.Name}' is a label of classes: choose lda, linear or auto for it.");
        }

        var width = FeatureWidth(features);
        if (width > KernelRidge.MaxFeatures)
        {
            throw new InvalidTrainingRequestException(string.Create(CultureInfo.InvariantCulture,
                $"Algorithm kernelridge takes at most {KernelRidge.MaxFeatures} features after one-hot, hashed and text featurization; these would be {width} wide. "
                + $"Name fewer features, or choose linear or auto."));
        }
    }

    /// <summary>
    /// LightGBM classification is sure of a split point only from <see cref="ModelTrainer.LightGbmFewestRows"/> training
    /// rows on, whatever minLeaf (why there); below, whether it grows any tree depends on where zeros, ties and labels
    /// fall, and when it grows none the version fails. Refused here, from the label's count as the split will leave it
    /// (<see cref="LeafTooLarge"/> covers a minLeaf too large for the rows).
    /// </summary>
    private static void CheckLightGbmRows(ColumnInfo label, double testFraction)
    {
        var trainRows = (long)Math.Ceiling(label.Count * (1 - testFraction));
        var fewest = ModelTrainer.LightGbmFewestRows;
        if (trainRows >= fewest)
        {
            return;
        }

        // The largest held-out share that leaves enough rows, in hundredths (rounded down, so it does). The label has at
        // least ModelTrainer.MinimumRows values, more than LightGbmFewestRows, so some share always does.
        var fraction = Math.Floor((1 - (double)fewest / label.Count) * 100) / 100;
        throw new InvalidTrainingRequestException(string.Create(CultureInfo.InvariantCulture,
            $"testFraction {testFraction} leaves about {trainRows} of the {label.Count} labelled rows to train on, and LightGBM "
            + $"needs at least {fewest} to be sure of a split: it splits only between bins of at least 3 rows each, and from fewer it often grows "
            + $"no tree at all, which fails the version. Give testFraction at most {fraction} (or 0 to train on every row), upload more rows, "
            + $"or use algorithm fasttree or linear, which train on so few rows."));
    }

    /// <summary>
    /// Why the version's held-out metrics will say little, when <paramref name="fraction"/> of the labelled rows is fewer
    /// than <see cref="FewTestRows"/> (about as many as the split holds out: it rounds each class's share).
    /// </summary>
    private static string? FewTestRowsWarning(ColumnInfo label, double fraction)
    {
        var labelled = label.Count;
        if (fraction <= 0 || labelled == 0)
        {
            return null;
        }

        var held = Math.Max(1, (long)Math.Round(labelled * fraction, MidpointRounding.AwayFromZero));
        if (held >= FewTestRows)
        {
            return null;
        }

        var enough = Math.Ceiling(FewTestRows * 100.0 / labelled) / 100;
        var advice = enough <= MaxTestFraction
            ? string.Create(CultureInfo.InvariantCulture, $"testFraction {enough} holds out about {FewTestRows}")
            : $"these {labelled} labelled rows are too few to hold out {FewTestRows} and keep a tenth to learn from";
        var rows = held == 1 ? "that one row" : $"those {held} rows";
        var note = string.Create(CultureInfo.InvariantCulture, $"testFraction {fraction} holds out about {held} of the {labelled} labelled rows");
        return $"{note}, so the version's metrics rest on {rows} and can differ widely between versions that are equally good. "
            + $"For metrics to compare versions by, hold out more rows ({advice}), or train with testFraction 0 and judge the "
            + "version with evaluate on other data.";
    }

    /// <summary>
    /// What a feature named explicitly although schema inference marked it ignored is used as (as the training plan uses
    /// it: a number if it holds numbers, else a category), and why it was ignored.
    /// </summary>
    private static string IgnoredFeatureWarning(ColumnInfo column) => column.Min is not null
        ? string.Create(CultureInfo.InvariantCulture,
            $"Feature '{column.Name}' is used as a number, as features names it, although schema inference marked it ignored: "
            + $"its {column.Count} values are distinct whole numbers and its name reads as an identifier. "
            + $"A model seldom learns anything from an identifier that holds for new rows; leave it out of features unless its numbers mean something.")
        : string.Create(CultureInfo.InvariantCulture,
            $"Feature '{column.Name}' is used as a category{(column.Distinct > Featurizer.HashedCategoryThreshold ? $" (hashed into {Featurizer.HashedCategorySlots} slots)" : string.Empty)}, "
            + $"as features names it, although schema inference marked it ignored: it has {column.Distinct} distinct values in {column.Count} cells, "
            + $"too many for a category, as an identifier has. A value seen in few rows teaches a model little that holds for new rows; "
            + $"leave it out of features unless its values repeat in the data the model will score.");

    /// <summary>
    /// The width of the feature vector the featurizer builds from <paramref name="features"/>, from their statistics: one
    /// slot per numeric or boolean column, one per category of a categorical column (hashed into
    /// <see cref="Featurizer.HashedCategorySlots"/> above <see cref="Featurizer.HashedCategoryThreshold"/> categories),
    /// and at most <see cref="Featurizer.TextSlots"/> per text column. A column named explicitly although ignored is
    /// used as a number if it holds numbers, else as a category.
    /// </summary>
    public static long FeatureWidth(IEnumerable<ColumnInfo> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return features.Sum(c => c.Kind switch
        {
            ColumnKind.Numeric or ColumnKind.Boolean => 1L,
            ColumnKind.Ignored when c.Min is not null => 1L,
            ColumnKind.Text => Featurizer.TextSlots,
            _ => c.Distinct > Featurizer.HashedCategoryThreshold ? Featurizer.HashedCategorySlots : Math.Max(1, c.Distinct),
        });
    }

    private static void CheckFeatureWidth(IEnumerable<ColumnInfo> features, TrainingLimits limits)
    {
        var list = features.ToList();
        var width = FeatureWidth(list);
        if (width > limits.MaxFeatureWidth)
        {
            var widest = list
                .Select(c => (c.Name, Width: FeatureWidth([c])))
                .OrderByDescending(c => c.Width)
                .Take(3)
                .Select(c => $"'{c.Name}' {c.Width.ToString(CultureInfo.InvariantCulture)}");
            throw new InvalidTrainingRequestException(string.Create(CultureInfo.InvariantCulture,
                $"The features would be {width} slots wide after one-hot, hashed and text featurization; at most {limits.MaxFeatureWidth} are allowed "
                + $"(OrleansMl__MaxFeatureWidth). Widest: {string.Join(", ", widest)}. Name fewer features, or drop high-cardinality text and categorical columns."));
        }
    }

    /// <summary>What the label's kind and distinct values already tell about the task: the checks the engine would fail on later.</summary>
    private static void CheckLabel(ModelTask task, ColumnInfo label)
    {
        if (label.Count == 0)
        {
            throw new InvalidTrainingRequestException($"The label column '{label.Name}' has no values. Choose a label column that is filled in.");
        }

        if (label.Count < ModelTrainer.MinimumRows)
        {
            throw new InvalidTrainingRequestException(string.Create(CultureInfo.InvariantCulture,
                $"Only {label.Count} rows have a value in the label column '{label.Name}'; training needs at least {ModelTrainer.MinimumRows}."));
        }

        if (label.Distinct < 2)
        {
            throw new InvalidTrainingRequestException(
                $"The label column '{label.Name}' has only one value, so there is nothing to learn. Choose a label with at least two different values.");
        }

        var numeric = IsNumeric(label);
        switch (task)
        {
            case ModelTask.Binary when label.Kind != ColumnKind.Boolean && label.Distinct != 2:
                throw new InvalidTrainingRequestException(string.Create(CultureInfo.InvariantCulture,
                    $"Task binary needs a label with exactly two values, but '{label.Name}' has {label.Distinct}. "
                    + $"Use task multiclass{(numeric ? " or regression" : string.Empty)}, or auto."));
            case ModelTask.Multiclass when label.Distinct > LabelPlan.MaxClasses:
            case ModelTask.Auto when !numeric && label.Kind != ColumnKind.Boolean && label.Distinct > LabelPlan.MaxClasses:
                throw new InvalidTrainingRequestException(string.Create(CultureInfo.InvariantCulture,
                    $"The label column '{label.Name}' has {label.Distinct} different values; classification supports at most "
                    + $"{LabelPlan.MaxClasses} classes. {(numeric ? "Use task regression for a numeric target, or choose" : "Choose")} another label."));
            default:
                break;
        }

        // A class needs rows to be learned from and scored on: a label whose every value is its own class (an identifier
        // picked by mistake) would train a model that can never be right on a new row.
        var classification = task == ModelTask.Multiclass || (task == ModelTask.Auto && !numeric && label.Kind != ColumnKind.Boolean);
        if (classification && label.Distinct == label.Count)
        {
            throw new InvalidTrainingRequestException(string.Create(CultureInfo.InvariantCulture,
                $"The label column '{label.Name}' has a different value in each of its {label.Count} rows, as an identifier has, so no class has "
                + $"a second row to learn it from. {(numeric ? "Use task regression for a numeric target, or choose" : "Choose")} another label."));
        }
    }

    /// <summary>
    /// Trees × leaves of the model the request asks for, with each learner's default for a value it does not fix
    /// (<c>auto</c>: the largest its search uses, 300 trees of 255 leaves).
    /// </summary>
    private static void CheckTreeSize(TrainingAlgorithm algorithm, HyperParameters parameters, DatasetVersionInfo dataset, double testFraction, TrainingLimits limits)
    {
        if (algorithm is TrainingAlgorithm.Linear or TrainingAlgorithm.Lda or TrainingAlgorithm.KernelRidge)
        {
            return;
        }

        var trainRows = (int)Math.Min(int.MaxValue, Math.Ceiling(dataset.Rows * (1 - testFraction)));
        var (trees, leaves) = algorithm == TrainingAlgorithm.Auto
            ? (parameters.Trees ?? AutoSearch.LargestTrees, parameters.Leaves ?? AutoSearch.LargestLeaves)
            : (Candidate.Default(algorithm, trainRows, parameters).Trees, Candidate.Default(algorithm, trainRows, parameters).Leaves);
        var product = (long)trees * leaves;
        if (product > limits.MaxTreeLeaves)
        {
            throw new InvalidTrainingRequestException(string.Create(CultureInfo.InvariantCulture,
                $"trees × leaves would be {trees} × {leaves} = {product}; at most {limits.MaxTreeLeaves} are allowed (OrleansMl__MaxTreeLeaves). "
                + $"Ask for fewer trees or fewer leaves."));
        }
    }

    /// <summary>Everything that needs no dataset.</summary>
    private static void CheckSettings(TrainingRequest request, TrainingLimits limits)
    {
        Names.Validate(request.Dataset, "dataset");
        if (string.IsNullOrWhiteSpace(request.Label))
        {
            throw new InvalidTrainingRequestException("label is required: name the dataset column the model should predict.");
        }

        if (!Enum.IsDefined(request.Task))
        {
            throw new InvalidTrainingRequestException($"task {(int)request.Task} is not one of: {EnumWords.List<ModelTask>()}.");
        }

        if (!Enum.IsDefined(request.Algorithm))
        {
            throw new InvalidTrainingRequestException($"algorithm {(int)request.Algorithm} is not one of: {EnumWords.List<TrainingAlgorithm>()}.");
        }

        VersionNumbers.Validate(request.DatasetVersion, "datasetVersion");

        if (request.TestFraction is { } fraction && !(fraction >= 0 && fraction <= MaxTestFraction))
        {
            throw new InvalidTrainingRequestException(
                $"testFraction must be between 0 and {MaxTestFraction.ToString(CultureInfo.InvariantCulture)} (0 trains on every labelled row and leaves the version without held-out metrics; got {fraction.ToString(CultureInfo.InvariantCulture)}).");
        }

        var unknown = (request.Parameters?.Keys ?? []).Where(k => !HyperParameters.Known.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidTrainingRequestException(
                $"Unknown parameter{(unknown.Count > 1 ? "s" : string.Empty)} {NameList.Quoted(unknown)}. Allowed parameters: {HyperParameters.Allowed}.");
        }

        // Two names of one setting (trees and iterations, or one name in two spellings) would leave which value counts to
        // the order of the keys.
        if ((request.Parameters?.Keys ?? []).GroupBy(HyperParameters.Setting, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } same)
        {
            var keys = same.Order(StringComparer.Ordinal).ToList();
            throw new InvalidTrainingRequestException(
                $"Parameters {string.Join(" and ", keys.Select(k => $"'{k}'"))} are both given, and they name one setting"
                + $"{(same.Key == "TREES" && keys.Any(k => k.Equals("iterations", StringComparison.OrdinalIgnoreCase)) ? " (iterations is another name for trees)" : string.Empty)}; send one of them.");
        }

        var applies = HyperParameters.AppliesTo(request.Algorithm);
        var unused = (request.Parameters?.Keys ?? []).Where(k => !applies.Contains(k.ToUpperInvariant())).ToList();
        if (unused.Count > 0)
        {
            throw new InvalidTrainingRequestException(
                $"Parameter{(unused.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unused.Select(u => $"'{u}'"))} "
                + $"{(unused.Count > 1 ? "are" : "is")} not used by algorithm {EnumWords.Word(request.Algorithm)}; remove "
                + $"{(unused.Count > 1 ? "them" : "it")} or choose an algorithm that uses {(unused.Count > 1 ? "them" : "it")} (auto uses every parameter).");
        }

        // Types and ranges: trees and leaves whole numbers up to the settings, the rest within their ranges.
        HyperParameters.Parse(request.Parameters, limits);
    }

    /// <summary>
    /// Whether the model will be a regression: asked for, or <c>auto</c> on a numeric label with more distinct values
    /// than a numeric label may have classes. (Whether fewer distinct values are all whole numbers, and so classes, is
    /// decided on the rows.)
    /// </summary>
    private static bool IsRegression(ModelTask task, ColumnInfo label) =>
        task == ModelTask.Regression
        || (task == ModelTask.Auto && IsNumeric(label) && label.Kind != ColumnKind.Boolean && label.Distinct > LabelPlan.MaxWholeNumberClasses);

    /// <summary>Numbers the engine can regress on: a numeric column, or an ignored one that holds numbers (an id-like column).</summary>
    private static bool IsNumeric(ColumnInfo column) =>
        column.Kind == ColumnKind.Numeric || (column.Kind == ColumnKind.Ignored && column.Min is not null);
}
