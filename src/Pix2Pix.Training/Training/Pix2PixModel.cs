using Pix2Pix.Training.Data;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>
/// The reference's Pix2PixModel: G maps A to B; D tells real (A, B) from fake (A, G(A)) patch by patch.
/// One step: forward, update D on the detached fake and the real pair, then update G with D frozen
/// on GAN(D(A, G(A)) as real) + λ·|G(A) − B|₁.
/// </summary>
public sealed partial class Pix2PixModel : IDisposable
{
    // Scalars this model passes to LibTorch live as long as it does (see TestTimeBatchNorm2d.One).
    private static readonly Scalar One = 1.0.ToScalar();
    private static readonly Scalar Half = 0.5.ToScalar();
    private readonly GanLoss ganLoss;
    private readonly GanMode ganMode;
    private readonly Scalar lambdaL1;
    private readonly bool fusedAdam;

    public Pix2PixModel(NetworkOptions network, TrainOptions train, DeviceContext? device = null)
    {
        if (train.FastStep) NativeHeap.KeepFreedMemory();
        Network = network;
        Device = device ?? DeviceContext.Cpu;
        Generator = Device.Hold(Networks.CreateGenerator(network, init: train.Init));
        Discriminator = Device.Hold(Networks.CreateDiscriminator(network, train.Init));
        OptimizerG = optim.Adam(Generator.parameters(), lr: train.Lr, beta1: train.Beta1, beta2: 0.999);
        OptimizerD = optim.Adam(Discriminator.parameters(), lr: train.Lr, beta1: train.Beta1, beta2: 0.999);
        ganLoss = new GanLoss(train.GanMode);
        ganMode = train.GanMode;
        lambdaL1 = train.LambdaL1.ToScalar();
        Pool = new ImagePool(train.PoolSize);
        fusedAdam = train.FastStep;
        PrepareForTraining(Generator, Discriminator, train);
        replicas = [new Replica(Generator, Discriminator, owned: false)];
        CreateReplicas(network, train);
    }

    public NetworkOptions Network { get; }

    /// <summary>Whether every weight and running statistic of both networks is a finite number.</summary>
    public bool IsFinite()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Generator.parameters().Concat(Generator.buffers()).Concat(Discriminator.parameters()).Concat(Discriminator.buffers())
            .All(t => !t.is_floating_point() || t.isfinite().all().item<bool>());
    }

    /// <summary>Where both networks, their optimisers' state and the image pool live.</summary>
    public DeviceContext Device { get; }
    public GeneratorNetwork Generator { get; }
    public nn.Module<Tensor, Tensor> Discriminator { get; }
    public Adam OptimizerG { get; }
    public Adam OptimizerD { get; }

    /// <summary>The fakes D has seen (the reference's fake_AB_pool; empty and bypassed at --pool_size 0).</summary>
    public ImagePool Pool { get; }

    public double LearningRate
    {
        get => OptimizerG.ParamGroups.First().LearningRate;
        set
        {
            foreach (var group in OptimizerG.ParamGroups.Concat(OptimizerD.ParamGroups)) group.LearningRate = value;
        }
    }

    /// <summary>One optimisation step; returns the losses and, when asked, the images for a sample grid. The batch is
    /// split over the replicas (<see cref="Replica"/>); with one, its passes run on the calling thread. Not
    /// <paramref name="adversarial"/>: G alone on λ·L1, D untouched (the epochs before --gan_start_epoch).</summary>
    public StepLosses OptimizeParameters(PairBatch batch, Action<Tensor, Tensor, Tensor>? visuals = null, bool adversarial = true)
    {
        FinalizerFence.Enter();
        var used = Math.Min(replicas.Length, batch.Size);
        var share = new double[used];
        var start = 0L;
        for (var k = 0; k < used; k++)
        {
            var size = batch.Size / used + (k < batch.Size % used ? 1 : 0);
            replicas[k].Take(batch.RealA.narrow(0, start, size), batch.RealB.narrow(0, start, size));
            share[k] = (double)size / batch.Size;
            start += size;
        }

        try
        {
            Synchronise();
            if (ganMode == GanMode.None || !adversarial)
            {
                // The paper's L1-only ablation: G alone, on λ·|G(A) − B|₁; the GAN losses are reported as 0.
                ZeroGrad(OptimizerG);
                Run(used, r => r.L1Only(lambdaL1));
                StepReplicas(OptimizerG, replicaGenerators, share, r => r.Generator, Generator);
            }
            else
            {
                ZeroGrad(OptimizerD);
                Run(used, r => r.DiscriminatorPass(ganLoss, Pool));
                StepReplicas(OptimizerD, replicaDiscriminators, share, r => r.Discriminator, Discriminator);
                ZeroGrad(OptimizerG);
                Run(used, r => r.GeneratorPass(ganLoss, lambdaL1));
                StepReplicas(OptimizerG, replicaGenerators, share, r => r.Generator, Generator);
            }

            if (visuals is not null)
            {
                using var scope = NewDisposeScope();
                visuals(batch.RealA, cat(replicas.Take(used).Select(r => r.FakeB!).ToArray(), 0).detach(), batch.RealB);
            }

            var losses = replicas.Take(used).Select(r => r.Losses).ToArray();
            double Mean(Func<StepLosses, double> loss) => losses.Select((l, k) => loss(l) * share[k]).Sum();
            return new StepLosses(Mean(l => l.GGan), Mean(l => l.GL1), Mean(l => l.DReal), Mean(l => l.DFake));
        }
        finally
        {
            foreach (var replica in replicas.Take(used)) replica.Release();
        }
    }

    // Both networks as a training step runs them: its convolution modes, and training mode.
    private static void PrepareForTraining(GeneratorNetwork generator, nn.Module<Tensor, Tensor> discriminator, TrainOptions train)
    {
        generator.Convolutions = train.GeneratorConvolutions;
        if (discriminator is PatchDiscriminator patches) patches.Convolutions = train.DiscriminatorConvolutions;
        generator.train();
        discriminator.train();
    }

    // The fused step leaves every gradient zeroed; the first-written step needs zero_grad's pass.
    private void ZeroGrad(Adam optimizer)
    {
        if (!fusedAdam) optimizer.zero_grad();
    }

    private void Step(Adam optimizer)
    {
        if (fusedAdam) FusedAdam.Step(optimizer);
        else optimizer.step();
    }

    private static void SetRequiresGrad(nn.Module module, bool value)
    {
        foreach (var parameter in module.parameters()) parameter.requires_grad = value;
    }

    public void Dispose()
    {
        threads?.Dispose();
        foreach (var replica in replicas) replica.Dispose();
        OptimizerG.Dispose();
        OptimizerD.Dispose();
        Generator.Dispose();
        Discriminator.Dispose();
        Pool.Dispose();
        lambdaL1.Dispose();
    }
}
