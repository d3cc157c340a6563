# GoogleTest suite: built natively against the system GTest, and in the wasm build from
# /usr/src/googletest, run under Node by ctest (CMAKE_CROSSCOMPILING_EMULATOR).
file(GLOB TRIPLETREC_TEST_SOURCES CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/tests/cpp/*.cpp")
if(EMSCRIPTEN)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  add_subdirectory(/usr/src/googletest "${CMAKE_BINARY_DIR}/googletest" EXCLUDE_FROM_ALL)
  # GoogleTest catches the engine's exceptions too (the engine's flags: cpp/bindings/wasm.cmake).
  target_compile_options(gtest PRIVATE -fexceptions)
  target_compile_options(gtest_main PRIVATE -fexceptions)
  set(TRIPLETREC_GTEST_LIBS gtest_main)
else()
  find_package(GTest REQUIRED)
  set(TRIPLETREC_GTEST_LIBS GTest::gtest_main)
endif()
add_executable(tripletrec_tests ${TRIPLETREC_TEST_SOURCES})
target_link_libraries(tripletrec_tests PRIVATE tripletrec_engine ${TRIPLETREC_GTEST_LIBS})
target_compile_definitions(tripletrec_tests PRIVATE TRIPLETREC_DATA_DIR="${TRIPLETREC_DATA_DIR}"
                           TRIPLETREC_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
if(EMSCRIPTEN)
  # Real files are read from the host file system under Node.
  target_link_options(tripletrec_tests PRIVATE -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1
                      -sMAXIMUM_MEMORY=4GB -sEXIT_RUNTIME=1)
  add_test(NAME wasm_engine_tests COMMAND tripletrec_tests)
else()
  include(GoogleTest)
  gtest_discover_tests(tripletrec_tests DISCOVERY_TIMEOUT 60)
endif()
