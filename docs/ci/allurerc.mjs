// Allure 3 configuration for mailspec: one self-contained index.html that opens from
// disk (file://) or as a CI artifact, no web server needed.
//   npx --yes allure@3 generate allure-results -o allure-report --config docs/ci/allurerc.mjs
export default {
  name: "mailspec conformance",
  plugins: {
    awesome: {
      options: { singleFile: true, reportName: "mailspec conformance", groupBy: ["epic", "feature", "story"] },
    },
  },
};
