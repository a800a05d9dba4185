# Installs gas into a scratch prefix, then builds and runs, as a separate
# CMake project using find_package(gas), the custom model shown in README.md
# (the code is taken from the README itself, so the README cannot rot).
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORKDIR=... -DGENERATOR=... -P run.cmake
file(REMOVE_RECURSE "${WORKDIR}")
set(prefix "${WORKDIR}/prefix")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")

# The installed benchmark runs from its prefix with an empty environment: it
# finds libgas by its relative RPATH and its configs under share/gas.
if(EXISTS "${prefix}/bin/small_benchmark")
  run(env -i "${prefix}/bin/small_benchmark" epochs=2 runs=1 "json=${WORKDIR}/summary.json")
  if(NOT EXISTS "${WORKDIR}/summary.json")
    message(FATAL_ERROR "the installed small_benchmark wrote no summary\n${last_output}")
  endif()
endif()

# The README holds the consumer's CMakeLists.txt and main.cpp in fenced
# blocks right after the markers <!-- example:CMakeLists.txt --> and
# <!-- example:main.cpp -->.
file(READ "${SOURCE_DIR}/README.md" readme)
foreach(name CMakeLists.txt main.cpp)
  string(FIND "${readme}" "<!-- example:${name} -->" start)
  if(start EQUAL -1)
    message(FATAL_ERROR "README.md lacks the marker <!-- example:${name} -->")
  endif()
  string(SUBSTRING "${readme}" ${start} -1 rest)
  string(REGEX MATCH "```[a-z]*\n([^`]*)```" block "${rest}")
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "no fenced code block after <!-- example:${name} -->")
  endif()
  file(WRITE "${WORKDIR}/example/${name}" "${CMAKE_MATCH_1}")
endforeach()

run(${CMAKE_COMMAND} -S "${WORKDIR}/example" -B "${WORKDIR}/example/build" -G "${GENERATOR}"
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=${prefix}")
run(${CMAKE_COMMAND} --build "${WORKDIR}/example/build")
run("${WORKDIR}/example/build/my_gnn")
message("${last_output}")
if(NOT last_output MATCHES "test accuracy 0\\.[0-9]+")
  message(FATAL_ERROR "unexpected output of the example")
endif()
