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
        Generator.Convolutions = train.GeneratorConvolutions;
        if (Discriminator is PatchDiscriminator patches) patches.Convolutions = train.DiscriminatorConvolutions;
        Generator.train();
        Discriminator.train();
        CreateReplicas(network, train);
    }

    public NetworkOptions Network { get; }

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

    /// <summary>One optimisation step; returns the losses and, when asked, the images for a sample grid.</summary>
    public StepLosses OptimizeParameters(PairBatch batch, Action<Tensor, Tensor, Tensor>? visuals = null)
    {
        FinalizerFence.Enter();
        if (replicas.Length > 1) return OptimizeInParallel(batch, visuals);
        using var scope = NewDisposeScope();
        var realA = batch.RealA;
        var realB = batch.RealB;
        var fakeB = Generator.forward(realA);
        if (ganMode == GanMode.None) return OptimizeL1Only(realA, fakeB, realB, visuals);

        SetRequiresGrad(Discriminator, true);
        ZeroGrad(OptimizerD);
        var fakeAB = Pool.Query(cat([realA, fakeB.detach()], 1));
        var lossDFake = ganLoss.Compute(Discriminator.forward(fakeAB), targetIsReal: false);
        var lossDReal = ganLoss.Compute(Discriminator.forward(cat([realA, realB], 1)), targetIsReal: true);
        var lossD = lossDFake.add(lossDReal, One).mul(Half);
        lossD.backward();
        Step(OptimizerD);

        SetRequiresGrad(Discriminator, false);
        ZeroGrad(OptimizerG);
        var lossGGan = ganLoss.Compute(Discriminator.forward(cat([realA, fakeB], 1)), targetIsReal: true);
        var lossGL1 = nn.functional.l1_loss(fakeB, realB).mul(lambdaL1);
        var lossG = lossGGan.add(lossGL1, One);
        lossG.backward();
        Step(OptimizerG);

        visuals?.Invoke(realA, fakeB.detach(), realB);
        return new StepLosses(lossGGan.item<float>(), lossGL1.item<float>(), lossDReal.item<float>(), lossDFake.item<float>());
    }

    // The paper's L1-only ablation: G alone, on λ·|G(A) − B|₁; the GAN losses are reported as 0.
    private StepLosses OptimizeL1Only(Tensor realA, Tensor fakeB, Tensor realB, Action<Tensor, Tensor, Tensor>? visuals)
    {
        ZeroGrad(OptimizerG);
        var lossGL1 = nn.functional.l1_loss(fakeB, realB).mul(lambdaL1);
        lossGL1.backward();
        Step(OptimizerG);
        visuals?.Invoke(realA, fakeB.detach(), realB);
        return new StepLosses(0, lossGL1.item<float>(), 0, 0);
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
