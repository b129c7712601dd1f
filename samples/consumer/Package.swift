// swift-tools-version:6.0
import PackageDescription

// A project that uses Sargable the way users do: as a package dependency, with SargableTesting
// in its test target only. `path: "../.."` stands for
// `.package(url: "https://…/sargable.git", from: "0.1.0")` in a real project.
let package = Package(
    name: "ShopConsumer",
    dependencies: [
        .package(name: "Sargable", path: "../.."),
    ],
    targets: [
        // The application: any PostgreSQL client works; this one uses SargablePostgres' libpq binding.
        .target(name: "Shop", dependencies: [.product(name: "SargablePostgres", package: "Sargable")]),
        // Plan snapshots live beside the tests; they are data, not sources or resources.
        .testTarget(name: "ShopTests", dependencies: ["Shop", .product(name: "SargableTesting", package: "Sargable")],
                    exclude: ["__Snapshots__"]),
    ]
)
