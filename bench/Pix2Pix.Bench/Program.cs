using Pix2Pix.Bench;
using Pix2Pix.Training.Options;
using static Pix2Pix.Bench.Report;
using static TorchSharp.torch;

// pix2pix benchmarks: where the time goes, side by side, and how close to this CPU's limit (docs/PERFORMANCE.md).
// Run through scripts/bench, which builds the service and this program and passes the paths.
if (args is ["speed-models", var folder])
{
    // scripts/gpu-bundle: the paper's generator with tiled random weights, for timing only, in float32 and float16.
    GeneratorConfig.Paper.WriteTiled(Path.Combine(folder, "unet_256_ngf64.onnx"));
    GeneratorConfig.Paper.WriteTiled(Path.Combine(folder, "unet_256_ngf64_float16.onnx"), float16: true);
    Console.WriteLine($"wrote unet_256_ngf64.onnx and unet_256_ngf64_float16.onnx in {folder}");
    return 0;
}

if (args is ["float16", var from, var to])
{
    // scripts/gpu-bundle: an exported model computing in float16, to check against its float32 original on a GPU.
    var converted = Pix2Pix.Training.Export.Float16Model.Convert(Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(from)));
    File.WriteAllBytes(to, Google.Protobuf.MessageExtensions.ToByteArray(converted));
    Console.WriteLine($"wrote {to}");
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (BenchOptions.UsageException e)
{
    Console.Error.WriteLine($"bench: {e.Message}");
    return 2;
}

// The report's folder, made before anything is measured: the training section writes its plot there before the report is saved.
Directory.CreateDirectory(Path.GetDirectoryName(options.Output)!);
var threads = Environment.ProcessorCount;
set_num_threads(threads);
var report = new Report();
var work = Directory.CreateTempSubdirectory("pix2pix-bench").FullName;
try
{
    report.Line("# Performance");
    report.Line();
    report.Line($"Written by `scripts/bench{(options.Quick ? " --quick" : "")}` on {DateTime.UtcNow:yyyy-MM-dd}. Figures from one run; rivals are measured in alternation, so their ratios hold on a noisy machine.");
    var roof = MachineSection(report, options, threads);
    GeneratorConfig[] configs = [GeneratorConfig.Paper, GeneratorConfig.Shipped];
    var engines = new EngineBench(report, work, options.Rounds, threads, roof, options.Calibration, options.Inputs);
    if (options.Runs("engines")) engines.Engines(configs);
    if (options.Runs("precision")) engines.Precision(configs);
    if (options.Runs("service")) ServiceSection(report, options, work);
    if (options.Runs("training")) TrainingSection(report, options, threads);
    if (options.Runs("gpu")) GpuSection(report, options);
    report.Save(options.Output);
    Console.WriteLine($"wrote {options.Output}");
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

static double MachineSection(Report report, BenchOptions options, int threads)
{
    report.Heading("Machine");
    var side = options.Quick ? 2048 : 4096;
    var torchRoof = Machine.MatmulGflops(side, ScalarType.Float32, options.Rounds);
    var ortRoof = Machine.OrtMatmulGflops(side, threads, options.Rounds);
    var roof = Math.Max(torchRoof, ortRoof);
    var roofBf16 = Machine.MatmulGflops(side, ScalarType.BFloat16, options.Rounds);
    report.Table(["", ""], [
        ["CPU", $"{Machine.Cpu}, {threads} cores visible ({string.Join(", ", Machine.Features)})"],
        ["memory", $"{F(Machine.MemoryGiB)} GiB"],
        ["software", $".NET {Environment.Version}, TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, ONNX Runtime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version}"],
        ["float32 matrix multiply", $"LibTorch {F(torchRoof)} GFLOP/s, ONNX Runtime (MLAS) {F(ortRoof)} GFLOP/s ({side}², {threads} threads); the roof below is the faster, {F(roof)}"],
        ["bfloat16 matrix multiply", $"LibTorch {F(roofBf16)} GFLOP/s ({F(roofBf16 / torchRoof, 2)}× its float32)"],
    ]);
    return roof;
}

static void ServiceSection(Report report, BenchOptions options, string work)
{
    if (options.ServiceDll is null || options.Hey is null || options.Png is null)
    {
        report.Heading("3. Service overhead");
        report.Line("Skipped: run through scripts/bench, which builds the service and provides hey.");
        return;
    }

    var models = new List<(string, string, int)> { ("unet_256_ngf64", GeneratorConfig.Paper.Label, GeneratorConfig.Paper.Side) };
    if (options.ShippedModel is not null)
    {
        File.Copy(options.ShippedModel, Path.Combine(work, "openmoji.onnx"));
        models.Add(("openmoji", GeneratorConfig.Shipped.Label, GeneratorConfig.Shipped.Side));
    }

    new ServiceBench(report, work, options.ServiceDll, options.Hey, options.Png, options.Requests, perRound: options.Quick ? 20 : 100, rounds: options.Quick ? 3 : 5).Run(models);
}

static void TrainingSection(Report report, BenchOptions options, int threads)
{
    report.Heading("4. Training throughput");
    report.Line($"Full pix2pix steps (D, then G; Adam; the 70×70 PatchGAN) on synthetic colour-block pairs, {threads} LibTorch threads, in alternating chunks,");
    report.Line("every configuration on the same images in the same order from the same initial weights.");
    report.Line("The naive step is the one first written: LibTorch's convolutions and TorchSharp's Adam, float32. The fast step (`train`'s default;");
    report.Line("`--no_fast_step` turns it off) computes the small convolutions as one matrix product each, runs Adam in one pass over memory, and");
    report.Line("the discriminator's convolutions in bfloat16 on float32 weights (`--precision float32` keeps them in float32).");
    report.Line("With a batch above 1, batch norm normalises over the batch and Adam takes fewer steps per image (the paper trained at batch 1): the curves show what each does to learning per image seen.");
    report.Line($"With `--replicas {threads}` the batch of {threads} is split over {threads} copies of the networks, one LibTorch thread each, their gradients averaged (the reference's DataParallel, on cores):");
    report.Line($"each image is normalised by itself, as at batch 1, but Adam takes one step per batch; the last row multiplies the learning rate by {threads} for it.");
    report.Line();
    var training = new TrainingBench(report, Path.Combine(Path.GetDirectoryName(options.Output)!, "performance-training.png"));
    training.Run(GeneratorConfig.Shipped, options.Quick ? 96 : 480,
        [TrainingVariant.Naive(threads), TrainingVariant.Fast(TrainingPrecision.Float32), TrainingVariant.Fast(TrainingPrecision.Bfloat16), TrainingVariant.Fast(TrainingPrecision.Bfloat16, 4),
         TrainingVariant.Replicated(threads), TrainingVariant.Replicated(threads, lrScale: threads)], plot: true);
    report.Line();
    training.Run(GeneratorConfig.Paper, options.Quick ? 8 : 24, [TrainingVariant.Naive(threads), TrainingVariant.Fast(TrainingPrecision.Bfloat16)], plot: false);
}

static void GpuSection(Report report, BenchOptions options)
{
    report.Heading("5. GPU");
    report.Line(Gpu.Describe(Path.GetDirectoryName(options.Output)!));
}
