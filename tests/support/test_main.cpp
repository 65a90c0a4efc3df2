// test_main.cpp — the main() of every CppUnit test executable: runs the registered suites (or the tests
// whose names are given as arguments, e.g. `RoundRobinTest::testFairness`) and exits non-zero on failure.
// SPDX-License-Identifier: Apache-2.0
#include <cppunit/BriefTestProgressListener.h>
#include <cppunit/CompilerOutputter.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/TestRunner.h>
#include <cppunit/extensions/TestFactoryRegistry.h>

#include <iostream>

int main(int argc, char** argv) {
    CppUnit::TestResult controller;
    CppUnit::TestResultCollector result;
    controller.addListener(&result);
    CppUnit::BriefTestProgressListener progress;
    controller.addListener(&progress);

    CppUnit::Test* all = CppUnit::TestFactoryRegistry::getRegistry().makeTest();
    CppUnit::TestRunner runner;
    runner.addTest(all);
    try {
        if (argc > 1) {
            for (int i = 1; i < argc; ++i) {
                runner.run(controller, argv[i]);
            }
        } else {
            runner.run(controller);
        }
    } catch (const std::invalid_argument& e) {
        std::cerr << "no such test: " << e.what() << "\n";
        return 2;
    }
    CppUnit::CompilerOutputter outputter(&result, std::cerr);
    outputter.write();
    std::cout << result.runTests() - result.testFailuresTotal() << " passed, " << result.testFailuresTotal()
              << " failed\n";
    return result.wasSuccessful() ? 0 : 1;
}
