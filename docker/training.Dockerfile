# The training CLI (`pix2pix`, TorchSharp on the CPU) in the .NET 10 SDK image, whose Ubuntu 24.04 base has the
# C++ runtime TorchSharp's native library needs (GLIBCXX_3.4.32). Data, runs and models are volumes:
#   docker compose --profile train run --rm train train --dataroot /data/openmoji128 --checkpoints_dir /runs ...
# TORCH_BACKEND=cuda builds against TorchSharp-cuda-linux (LibTorch with CUDA; train with --gpu_ids 0 on a host with the
# NVIDIA Container Toolkit); the default, cpu, against TorchSharp-cpu.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0

FROM ${SDK_IMAGE} AS build
ARG TORCH_BACKEND=cpu
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Pix2Pix.Contracts/Pix2Pix.Contracts.csproj src/Pix2Pix.Contracts/
COPY src/Pix2Pix.Training/Pix2Pix.Training.csproj src/Pix2Pix.Training/
RUN dotnet restore src/Pix2Pix.Training/Pix2Pix.Training.csproj -p:TorchBackend=${TORCH_BACKEND}
COPY src/Pix2Pix.Contracts/ src/Pix2Pix.Contracts/
COPY src/Pix2Pix.Training/ src/Pix2Pix.Training/
RUN dotnet publish src/Pix2Pix.Training/Pix2Pix.Training.csproj -c Release --no-restore -p:TorchBackend=${TORCH_BACKEND} -o /opt/pix2pix

FROM ${SDK_IMAGE}
COPY --from=build /opt/pix2pix /opt/pix2pix
VOLUME ["/data", "/runs", "/exports"]
WORKDIR /work
ENTRYPOINT ["dotnet", "/opt/pix2pix/pix2pix.dll"]
CMD ["--help"]
